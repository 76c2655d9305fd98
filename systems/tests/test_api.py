"""The systems API and the component-definitions API, with their OSCAL downloads."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from systems.models import ComponentDefinition, System
from systems.tests.factories import make_system, small_framework

pytestmark = pytest.mark.django_db

URL = "/api/v1/systems/"
CD_URL = "/api/v1/oscal/component-definitions/"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "oscal"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "component_definition.json"


def create_body(framework, **extra):
    return {
        "name": "Ledger",
        "description": "General ledger",
        "impact_level": "low",
        "framework": framework.code,
        "components": [{"title": "Ledger DB", "type": "software", "responsible_role": "dba"}],
        **extra,
    }


def test_create_list_retrieve_update_delete(client_as):
    framework = small_framework()
    client = client_as(COMPLIANCE_MANAGER)
    created = client.post(URL, create_body(framework), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["components"][0]["title"] == "Ledger DB" and body["requirements_count"] == 5
    system_id = body["id"]
    assert AuditLog.objects.filter(action="create", object_id=str(system_id), actor_username=client.user.username)
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [system_id]
    patched = client.patch(
        f"{URL}{system_id}/",
        {"impact_level": "moderate", "components": [{"title": "Ledger DB"}, {"title": "Backups"}]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert [c["title"] for c in patched.json()["components"]] == ["Ledger DB", "Backups"]
    assert client.delete(f"{URL}{system_id}/").status_code == 204
    assert not System.objects.exists()


def test_list_query_count_does_not_grow_with_rows(client_as, django_assert_max_num_queries):
    framework = small_framework()
    for n in range(4):
        make_system(framework=framework, name=f"System {n}")
    client = client_as(VIEWER)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200 and response.json()["count"] == 4


@pytest.mark.parametrize(
    "change,field",
    [
        ({"impact_level": "severe"}, "impact_level"),
        ({"framework": "no-such-framework"}, "framework"),
        ({"name": ["list"]}, "name"),
        ({"information_types": "text"}, "information_types"),
        ({"responsible_parties": [{"role": 3}]}, "responsible_parties"),
        ({"components": [{"title": "A"}, {"title": "A"}]}, "components"),
        ({"components": [{"title": "A", "type": "spaceship"}]}, "components"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_as, change, field):
    framework = small_framework()
    response = client_as(COMPLIANCE_MANAGER).post(URL, {**create_body(framework), **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not System.objects.exists()


def test_malformed_json_unknown_ids_and_forbidden(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    assert client.post(URL, "{nope", content_type="application/json").status_code == 400
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.get(f"{URL}999999/oscal/ssp/").status_code == 404
    assert client.get(f"{URL}abc/").status_code == 404
    viewer = client_as(VIEWER)
    assert viewer.post(URL, create_body(small_framework()), format="json").status_code == 403
    assert AuditLog.objects.filter(action="permission_denied").exists()


@pytest.mark.parametrize(
    "path,root",
    [
        ("oscal/ssp/", "system-security-plan"),
        ("oscal/assessment-plan/", "assessment-plan"),
        ("oscal/assessment-results/", "assessment-results"),
        ("oscal/poam/", "plan-of-action-and-milestones"),
    ],
)
def test_each_oscal_download_is_served_to_readers(client_as, path, root):
    system = make_system()
    response = client_as(AUDITOR).get(f"{URL}{system.pk}/{path}")
    assert response.status_code == 200, response.content
    assert "attachment" in response["Content-Disposition"]
    assert list(json.loads(response.content)) == [root]
    assert AuditLog.objects.filter(action__startswith="oscal_", action__endswith="_exported").count() == 1


def test_period_parameters_are_checked(client_as):
    system = make_system()
    client = client_as(AUDITOR)
    bad = client.get(f"{URL}{system.pk}/oscal/assessment-results/?start=yesterday")
    assert bad.status_code == 400 and "start" in bad.json()
    backwards = client.get(
        f"{URL}{system.pk}/oscal/assessment-plan/?start=2026-02-01T00:00:00Z&end=2026-01-01T00:00:00Z"
    )
    assert backwards.status_code == 400
    ok = client.get(f"{URL}{system.pk}/oscal/assessment-results/?start=2026-01-01T00:00:00&end=2026-02-01T00:00:00Z")
    assert ok.status_code == 200
    far_offset = client.get(f"{URL}{system.pk}/oscal/assessment-results/?start=2026-01-01T00:00:00%2B23:59")
    assert far_offset.status_code == 200
    too_early = client.get(f"{URL}{system.pk}/oscal/assessment-results/?end=0001-01-02T00:00:00Z")
    assert too_early.status_code == 400 and "end" in too_early.json()


def test_ssp_import_over_the_api(client_as):
    source = make_system()
    document = json.loads(client_as(AUDITOR).get(f"{URL}{source.pk}/oscal/ssp/").content)
    target = make_system(framework=small_framework("other"), name="Copy", components=[])
    client = client_as(COMPLIANCE_MANAGER)
    response = client.post(f"{URL}{target.pk}/oscal/ssp/import/", document, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["requirements"] == 5
    refused = client.post(f"{URL}{target.pk}/oscal/ssp/import/", {"catalog": {}}, format="json")
    assert refused.status_code == 400
    assert client_as(VIEWER).post(f"{URL}{target.pk}/oscal/ssp/import/", document, format="json").status_code == 403


def example_component_definition():
    path = SHARED / "example-component-definition.json"
    if not path.exists():
        pytest.skip("shared data not there")
    return json.loads(path.read_text())


def test_component_definition_import_and_export(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    created = client.post(CD_URL, example_component_definition(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["id"] and body["components"][0]["title"] == "MongoDB"
    exported = client.get(f"{CD_URL}{body['id']}/export/")
    assert exported.status_code == 200
    assert json.loads(exported.content)["component-definition"]["components"][0]["title"] == "MongoDB"
    upload = SimpleUploadedFile("cd.json", exported.content, content_type="application/json")
    again = client.post(CD_URL, {"file": upload}, format="multipart")
    assert again.status_code == 201
    assert ComponentDefinition.objects.count() == 2


def test_component_definition_refusals(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    assert client.post(CD_URL, {"component-definition": {"uuid": "x"}}, format="json").status_code == 400
    bad_file = SimpleUploadedFile("cd.json", b"{oops", content_type="application/json")
    response = client.post(CD_URL, {"file": bad_file}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    assert client.get(f"{CD_URL}424242/export/").status_code == 404
    assert client_as(VIEWER).post(CD_URL, example_component_definition(), format="json").status_code == 403
