"""OSCAL profile import: resolution with trestle against the catalog given beside the profile."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditLog
from common.roles import COMPLIANCE_MANAGER, VIEWER
from compliance.models import Control, ImportedProfile
from compliance.oscal.common import OscalError
from compliance.oscal.profile_import import import_profile, resolve_profile
from compliance.seed.tally import Tally

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "oscal"
URL = "/api/v1/oscal/profiles/"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def shared(name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not there (shared data)")
    return json.loads(path.read_text())


def count_controls(catalog):
    def walk(nodes):
        return sum(1 + walk(node.get("controls") or []) for node in nodes)

    body = catalog["catalog"]
    return walk(body.get("controls") or []) + sum(walk(g.get("controls") or []) for g in body.get("groups") or [])


def test_small_profile_selects_its_controls_and_sets_its_parameter():
    imported = import_profile(
        profile=fixture("oscal_small_profile.json"), catalog=fixture("oscal_small_catalog.json"), tally=Tally()
    )
    assert imported.controls_count == 3
    framework = imported.framework
    assert set(Control.objects.filter(framework=framework, is_group=False).values_list("ref_id", flat=True)) == {
        "acc-1",
        "acc-1.1",
        "log-1",
    }
    params = {p["id"]: p for p in Control.objects.get(framework=framework, ref_id="acc-1").parameters}
    assert params["acc-1_prm_1"]["values"] == ["every 90 days"]
    assert AuditLog.objects.filter(action="oscal_profile_imported").count() == 1


def test_reimport_updates_the_same_framework():
    first = import_profile(
        profile=fixture("oscal_small_profile.json"), catalog=fixture("oscal_small_catalog.json"), tally=Tally()
    )
    again = import_profile(
        profile=fixture("oscal_small_profile.json"), catalog=fixture("oscal_small_catalog.json"), tally=Tally()
    )
    assert first.pk == again.pk and ImportedProfile.objects.count() == 1
    assert Control.objects.filter(framework=first.framework, is_group=False).count() == 3


@pytest.mark.parametrize(
    "level,expected",
    [("LOW", 149), ("MODERATE", 287)],
)
def test_nist_baselines_resolve_to_the_counts_of_nist_resolved_catalogs(level, expected):
    profile = shared(f"NIST_SP-800-53_rev5_{level}-baseline_profile.json")
    catalog = shared("NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json")
    nist_resolved = shared(f"NIST_SP-800-53_rev5_{level}-baseline-resolved-profile_catalog.json")
    assert count_controls(nist_resolved) == expected
    resolved = resolve_profile(profile=profile, catalog=catalog)
    assert count_controls(resolved) == expected
    imported = import_profile(profile=profile, catalog=catalog, framework_code=f"nist-{level.lower()}", tally=Tally())
    assert imported.controls_count == expected
    assert Control.objects.filter(framework=imported.framework, is_group=False).count() == expected


def test_a_profile_that_selects_controls_the_catalog_lacks_is_refused():
    profile = fixture("oscal_small_profile.json")
    profile["profile"]["imports"][0]["include-controls"] = [{"with-ids": ["zz-99"]}]
    with pytest.raises(OscalError):
        resolve_profile(profile=profile, catalog=fixture("oscal_small_catalog.json"))


def test_api_creates_a_framework_from_a_json_pair(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    response = client.post(
        URL,
        {"profile": fixture("oscal_small_profile.json"), "catalog": fixture("oscal_small_catalog.json")},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["controls_count"] == 3 and body["framework"] and body["id"]
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert client.get(f"{URL}{body['id']}/").json()["title"] == "Small test baseline"


def test_api_takes_a_file_pair(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    files = {
        "profile_file": SimpleUploadedFile("p.json", (FIXTURES / "oscal_small_profile.json").read_bytes()),
        "catalog_file": SimpleUploadedFile("c.json", (FIXTURES / "oscal_small_catalog.json").read_bytes()),
        "framework": "small-baseline",
    }
    response = client.post(URL, files, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["framework"] == "small-baseline"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"catalog": {"catalog": {}}}, "profile"),
        ({"profile": "not a document", "catalog": {}}, "profile"),
        ({"profile": {"profile": {"uuid": "x"}}, "catalog": {"catalog": {}}}, "profile"),
        ({"profile": "PROFILE", "catalog": {"catalog": {"uuid": "not-a-uuid"}}}, "catalog"),
        ({"profile": "PROFILE", "catalog": [1, 2]}, "catalog"),
        ({"profile": "PROFILE", "catalog": "CATALOG", "framework": "not a slug!"}, "framework"),
    ],
)
def test_api_refuses_bad_pairs_naming_the_field(client_as, body, field):
    body = {
        key: fixture("oscal_small_profile.json")
        if value == "PROFILE"
        else fixture("oscal_small_catalog.json")
        if value == "CATALOG"
        else value
        for key, value in body.items()
    }
    response = client_as(COMPLIANCE_MANAGER).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ImportedProfile.objects.exists()


def test_api_refuses_malformed_json_and_files(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    files = {
        "profile_file": SimpleUploadedFile("p.json", b"{nope"),
        "catalog_file": SimpleUploadedFile("c.json", (FIXTURES / "oscal_small_catalog.json").read_bytes()),
    }
    response = client.post(URL, files, format="multipart")
    assert response.status_code == 400 and "profile_file" in response.json()


def test_unknown_id_and_forbidden_access(client_as):
    assert client_as(COMPLIANCE_MANAGER).get(f"{URL}999999/").status_code == 404
    viewer = client_as(VIEWER)
    assert viewer.get(URL).status_code == 200
    response = viewer.post(
        URL,
        {"profile": fixture("oscal_small_profile.json"), "catalog": fixture("oscal_small_catalog.json")},
        format="json",
    )
    assert response.status_code == 403
    assert AuditLog.objects.filter(action="permission_denied").exists()
