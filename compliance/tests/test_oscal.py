"""OSCAL catalog import, catalog export and assessment-results export."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditLog
from compliance.evaluations import score as compliance_score
from compliance.models import Control, Framework
from compliance.oscal.assessment_results import export_assessment_results
from compliance.oscal.catalog_export import export_catalog
from compliance.oscal.catalog_import import import_catalog
from compliance.oscal.common import OscalError
from compliance.seed.tally import Tally
from compliance.tests.factories import DataSourceFactory, RuleFactory, record

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "oscal_small_catalog.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "oscal"
NIST_LOW = SHARED / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
NIST_MODERATE = SHARED / "NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot(framework):
    """Everything a catalog carries about a framework's controls, independent of row ids."""
    return sorted(
        (
            c.ref_id,
            c.title,
            c.is_group,
            c.parent.ref_id if c.parent else None,
            c.description,
            json.dumps(c.parameters, sort_keys=True),
            c.sort_order,
        )
        for c in Control.objects.filter(framework=framework).select_related("parent")
    )


def test_import_maps_groups_controls_enhancements_statement_and_params():
    output = run("import_oscal_catalog", str(FIXTURE), "--framework", "acme")
    framework = Framework.objects.get(code="acme")
    assert (framework.name, framework.version, framework.issuer) == (
        "Acme Cloud Baseline",
        "1.3",
        "Acme Security Office",
    )
    assert not framework.is_builtin
    controls = {c.ref_id: c for c in framework.controls.select_related("parent")}
    assert set(controls) == {"acc", "acc-id", "acc-1", "acc-1.1", "acc-ses", "acc-2", "log", "log-1", "gov-1"}
    assert controls["acc"].is_group and controls["acc-id"].is_group and controls["log"].is_group
    assert controls["acc-id"].parent.ref_id == "acc" and controls["acc-ses"].parent.ref_id == "acc"
    assert controls["acc-1"].parent.ref_id == "acc-id" and not controls["acc-1"].is_group
    assert controls["acc-1.1"].parent.ref_id == "acc-1"  # enhancement under its base control
    assert controls["gov-1"].parent is None and not controls["gov-1"].is_group
    assert controls["acc-1"].description == (
        "a. Review accounts every {{ insert: param, acc-1_prm_1 }};\n"
        "  1. including service accounts; and\n"
        "b. Have new accounts approved by {{ insert: param, acc-1_prm_2 }}."
    )
    assert [p["id"] for p in controls["acc-1"].parameters] == ["acc-1_prm_1", "acc-1_prm_2"]
    assert controls["acc-1"].parameters[1]["values"] == ["the security lead"]
    assert "Guidance" not in controls["acc-1"].description
    assert "created: 10 (control 9, framework 1)" in output
    assert AuditLog.objects.filter(action="oscal_catalog_imported", object_id=str(framework.pk)).exists()


def test_reimport_updates_in_place(tmp_path):
    run("import_oscal_catalog", str(FIXTURE), "--framework", "acme")
    ids = dict(Control.objects.filter(framework__code="acme").values_list("ref_id", "pk"))
    document = json.loads(FIXTURE.read_text())
    document["catalog"]["groups"][1]["controls"][0]["title"] = "Central Event Logging"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))

    output = run("import_oscal_catalog", str(changed), "--framework", "acme")

    assert dict(Control.objects.filter(framework__code="acme").values_list("ref_id", "pk")) == ids
    assert Control.objects.get(framework__code="acme", ref_id="log-1").title == "Central Event Logging"
    assert "created: 0" in output and "updated: 1 (control 1)" in output


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "Not valid JSON"),
        (b"[1, 2]", "top-level object"),
        (b'{"profile": {}}', "top-level object"),
        (json.dumps({"catalog": {"uuid": "x", "metadata": {}}}).encode(), "Not valid OSCAL"),
    ],
)
def test_bad_files_are_refused_with_nothing_written(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("import_oscal_catalog", str(path), "--framework", "bad")
    assert not Framework.objects.filter(code="bad").exists()


def test_invalid_control_is_refused_and_nothing_is_half_written(tmp_path):
    document = json.loads(FIXTURE.read_text())
    del document["catalog"]["controls"][0]["title"]
    path = tmp_path / "no-title.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="title"):
        run("import_oscal_catalog", str(path), "--framework", "acme")
    assert not Framework.objects.filter(code="acme").exists()
    assert not Control.objects.exists()


def test_missing_file_and_builtin_target_are_refused():
    with pytest.raises(CommandError, match="No such file"):
        run("import_oscal_catalog", "/nonexistent/catalog.json")
    Framework.objects.create(code="soc2", name="SOC 2", is_builtin=True)
    with pytest.raises(CommandError, match="built-in"):
        run("import_oscal_catalog", str(FIXTURE), "--framework", "soc2")
    with pytest.raises(CommandError, match="No framework"):
        run("export_oscal_catalog", "unknown-code")


@pytest.mark.parametrize("code", ["soc2", "hipaa", "pci_dss", "nist_csf", "iso27001", "gdpr"])
def test_builtin_framework_round_trips_through_an_oscal_catalog(code, tmp_path):
    run("seed_compliance")
    original = Framework.objects.get(code=code)
    out = tmp_path / f"{code}.json"
    call_command("export_oscal_catalog", code, "--output", str(out), stderr=StringIO())

    run("import_oscal_catalog", str(out), "--framework", f"{code}-copy")

    copy = Framework.objects.get(code=f"{code}-copy")
    assert (copy.name, copy.version, copy.issuer, copy.description) == (
        original.name,
        original.version,
        original.issuer,
        original.description,
    )
    assert snapshot(copy) == snapshot(original)


def test_imported_catalog_round_trips_with_its_ids_and_parameters():
    tally = Tally()
    first = import_catalog(document=json.loads(FIXTURE.read_text()), framework_code="acme", tally=tally)
    exported = export_catalog(framework=first)
    ids = [g["id"] for g in exported["catalog"]["groups"]]
    assert ids == ["acc", "log"]  # valid OSCAL ids are kept as they are
    second = import_catalog(document=exported, framework_code="acme-again", tally=tally)
    assert snapshot(second) == snapshot(first)


def test_export_gives_non_token_ref_ids_a_valid_id_and_keeps_the_ref():
    run("seed_compliance")
    document = export_catalog(framework=Framework.objects.get(code="pci_dss"))
    requirement = document["catalog"]["groups"][0]
    assert requirement["id"] != "1" and requirement["id"][0].isalpha()
    assert {"name": "label", "value": "1"} in requirement["props"]
    assert any(p["name"] == "ref-id" and p["value"] == "1" for p in requirement["props"])
    all_ids = json.dumps(document).count('"id": ')
    assert all_ids > 0


def test_export_command_writes_valid_json_to_stdout():
    run("seed_compliance")
    document = json.loads(run("export_oscal_catalog", "iso27001"))
    from trestle.oscal.catalog import Model

    Model.model_validate(document)
    assert sum(len(g.get("controls", [])) for g in document["catalog"]["groups"]) == 93
    assert AuditLog.objects.filter(action="oscal_catalog_exported").exists()


def test_assessment_results_reflect_latest_evaluations():
    run("seed_compliance")
    soc2 = Framework.objects.get(code="soc2")
    cc61 = Control.objects.get(framework=soc2, ref_id="CC6.1")
    cc72 = Control.objects.get(framework=soc2, ref_id="CC7.2")
    mfa = RuleFactory(name="MFA required", framework=soc2, severity="high", controls=[cc61])
    logs = RuleFactory(name="Audit logs shipped", framework=soc2, severity="medium", controls=[cc72])
    web, db = DataSourceFactory(name="web"), DataSourceFactory(name="db")
    earlier = timezone.now() - timezone.timedelta(hours=2)
    record(mfa, web, "failed", at=earlier)
    record(mfa, web, "passed", score=100)  # the latest one counts
    record(mfa, db, "passed")
    record(logs, web, "failed", score=40)
    record(logs, db, "not_applicable")

    document = export_assessment_results(framework=soc2)

    result = document["assessment-results"]["results"][0]
    assert len(result["observations"]) == 4
    assert len(result["local-definitions"]["inventory-items"]) == 2
    states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in result["findings"]}
    assert states == {"CC6.1": "satisfied", "CC7.2": "not-satisfied"}
    score = next(p["value"] for p in result["props"] if p["name"] == "compliance-score")
    assert float(score) == compliance_score(framework=soc2)
    assert result["reviewed-controls"]["control-selections"][0]["include-controls"] == [
        {"control-id": "CC6.1"},
        {"control-id": "CC7.2"},
    ]
    from trestle.oscal.assessment_results import Model

    Model.model_validate(document)


def test_assessment_results_without_evaluations_are_still_valid():
    framework = Framework.objects.create(code="empty", name="Empty")
    document = json.loads(run("export_oscal_assessment_results", "empty"))
    result = document["assessment-results"]["results"][0]
    assert "findings" not in result and "props" not in result
    assert result["reviewed-controls"]["control-selections"] == [{"include-all": {}}]
    assert framework.code == "empty"


def test_validation_failure_is_an_oscal_error():
    framework = Framework.objects.create(code="bad-title", name="Bad")
    Control.objects.create(framework=framework, ref_id="X-1", title="ok", parameters=[{"no-id": True}])
    with pytest.raises(OscalError, match="Not valid OSCAL"):
        export_catalog(framework=framework)


@pytest.mark.skipif(not NIST_LOW.exists(), reason="shared NIST OSCAL content not present")
def test_real_nist_low_baseline_imports_and_reimports_without_changes():
    output = run("import_oscal_catalog", str(NIST_LOW), "--framework", "sp800-53-low")
    framework = Framework.objects.get(code="sp800-53-low")
    controls = Control.objects.filter(framework=framework)
    assert controls.filter(is_group=True).count() == 18
    assert controls.filter(is_group=False, parent__is_group=True).count() == 131
    assert controls.filter(is_group=False, parent__is_group=False).count() == 18
    ac2 = controls.get(ref_id="ac-2")
    assert ac2.parent.ref_id == "ac" and ac2.title == "Account Management"
    assert ac2.description.startswith("a. ")
    assert "{{ insert: param, ac-02_odp.01 }}" in ac2.description
    assert len(ac2.parameters) > 5
    assert "created: 168" in output
    again = run("import_oscal_catalog", str(NIST_LOW), "--framework", "sp800-53-low")
    assert "created: 0" in again and "updated: 0" in again
    exported = export_catalog(framework=framework)
    assert [g["id"] for g in exported["catalog"]["groups"]][:3] == ["ac", "at", "au"]


@pytest.mark.skipif(not NIST_MODERATE.exists(), reason="shared NIST OSCAL content not present")
def test_real_nist_moderate_baseline_imports():
    run("import_oscal_catalog", str(NIST_MODERATE), "--framework", "sp800-53-moderate")
    controls = Control.objects.filter(framework__code="sp800-53-moderate")
    assert controls.filter(is_group=True).count() == 18
    assert controls.filter(is_group=False, parent__is_group=True).count() == 177
    assert controls.filter(is_group=False, parent__is_group=False).count() == 110
    assert controls.get(ref_id="ac-2.1").parent.ref_id == "ac-2"


def _generated_catalog(groups, per_group):
    return {
        "catalog": {
            "uuid": "4c1b7f0e-2d3a-4e5f-8a9b-0c1d2e3f4a5b",
            "metadata": {
                "title": "Generated",
                "last-modified": "2026-01-01T00:00:00+00:00",
                "version": "1",
                "oscal-version": "1.1.2",
            },
            "groups": [
                {
                    "id": f"g{g}",
                    "title": f"Group {g}",
                    "controls": [
                        {
                            "id": f"g{g}-{c}",
                            "title": f"Control {g}.{c}",
                            "parts": [{"id": f"g{g}-{c}_smt", "name": "statement", "prose": "Do the thing."}],
                            "controls": [{"id": f"g{g}-{c}.1", "title": "Enhancement"}],
                        }
                        for c in range(per_group)
                    ],
                }
                for g in range(groups)
            ],
        }
    }


def test_import_query_count_does_not_grow_with_the_catalog():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(code, document):
        with CaptureQueriesContext(connection) as captured:
            import_catalog(document=document, framework_code=code, tally=Tally())
        return len(captured)

    small = queries_for("small", _generated_catalog(2, 2))
    large = queries_for("large", _generated_catalog(10, 20))
    assert Control.objects.filter(framework__code="large").count() == 10 + 10 * 20 * 2
    assert large <= small  # the first call also warms the content-type cache
    # A re-import that changes nothing stays just as cheap.
    assert queries_for("large", _generated_catalog(10, 20)) <= large


def test_oversized_catalog_is_refused_before_it_is_parsed(monkeypatch):
    from compliance.management.commands import import_oscal_catalog as command
    from compliance.oscal import catalog_import

    monkeypatch.setattr(command, "MAX_DOCUMENT_BYTES", 1024)
    with pytest.raises(CommandError, match="larger than"):
        run("import_oscal_catalog", str(FIXTURE), "--framework", "acme")
    monkeypatch.setattr(catalog_import, "MAX_DOCUMENT_BYTES", 1024)
    with pytest.raises(OscalError, match="larger than"):
        catalog_import.load_json(FIXTURE.read_bytes())
    assert not Framework.objects.exists()
