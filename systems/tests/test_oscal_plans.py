"""Assessment plan, assessment results and POA&M of a system, from live evaluations and findings."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Finding
from compliance.tests.factories import DataSourceFactory, RuleFactory, record
from systems.oscal.assessment_plan import export_assessment_plan
from systems.oscal.component_definition import export_component_definition, import_component_definition
from systems.oscal.poam import export_poam
from systems.oscal.results import export_system_results
from systems.oscal.ssp import export_ssp
from systems.tests.factories import make_system
from systems.tests.test_oscal_ssp import EXAMPLE_COMPONENT_DEFINITION, catalog_ids, control_ids_in
from workflows.tests.factories import started_workflow

pytestmark = pytest.mark.django_db


def system_with_a_rule(severity="high"):
    system = make_system()
    api = system.components.get(title="Payments API")
    rule = RuleFactory(framework=system.framework, name="TLS everywhere", severity=severity, remediation="Enable TLS")
    rule.controls.set([system.framework.controls.get(ref_id="acc-1")])
    source = DataSourceFactory(name="payments-prod")
    api.rules.add(rule)
    api.data_sources.add(source)
    return system, rule, source


def poam_items(system):
    return export_poam(system=system)["plan-of-action-and-milestones"]


def test_poam_follows_findings_as_they_open_and_resolve():
    system, rule, source = system_with_a_rule()
    assert [i["title"] for i in poam_items(system)["poam-items"]] == ["No open findings"]
    record(rule, source, "failed")
    finding = Finding.objects.get()
    poam = poam_items(system)
    (item,) = poam["poam-items"]
    assert {"name": "finding-id", "ns": item["props"][0]["ns"], "value": str(finding.pk)} in item["props"]
    (risk,) = poam["risks"]
    assert risk["status"] == "open"
    assert risk["deadline"] == (finding.opened_at + timedelta(days=30)).isoformat()  # high: 30 days
    assert item["related-risks"][0]["risk-uuid"] == risk["uuid"]
    assert item["related-observations"][0]["observation-uuid"] == poam["observations"][0]["uuid"]
    record(rule, source, "passed")
    assert [i["title"] for i in poam_items(system)["poam-items"]] == ["No open findings"]


def test_risk_acceptance_is_an_item_and_workflow_steps_are_milestones():
    system, rule, source = system_with_a_rule(severity="low")
    record(rule, source, "failed")
    finding = Finding.objects.get()
    started_workflow(finding=finding, rule=rule)
    finding.status = "risk_accepted"
    finding.save()
    poam = poam_items(system)
    (risk,) = poam["risks"]
    assert risk["status"] == "deviation-approved"
    assert risk["deadline"] == (finding.opened_at + timedelta(days=180)).isoformat()
    titles = [task["title"] for task in risk["remediations"][0]["tasks"]]
    assert titles[:2] == ["1. Fix the problem", "2. Review the fix"]


def test_assessment_results_carry_the_period_asked_for():
    system, rule, source = system_with_a_rule()
    now = timezone.now()
    record(rule, source, "failed", at=now - timedelta(days=40))
    record(rule, source, "passed", at=now - timedelta(days=1))
    recent = export_system_results(system=system, start=now - timedelta(days=7), end=now)["assessment-results"]
    (result,) = recent["results"]
    assert [o["props"][0]["value"] for o in result["observations"]] == ["passed"]
    assert result["findings"][0]["target"]["status"]["state"] == "satisfied"
    earlier = export_system_results(system=system, start=now - timedelta(days=60), end=now - timedelta(days=30))
    (old,) = earlier["assessment-results"]["results"]
    assert old["findings"][0]["target"]["status"]["state"] == "not-satisfied"
    assert old["findings"][0]["target"]["target-id"] == "acc-1"


def test_assessment_plan_has_scope_activities_and_schedule():
    system, _rule, _source = system_with_a_rule()
    start = timezone.now()
    plan = export_assessment_plan(system=system, start=start, end=start + timedelta(days=14))["assessment-plan"]
    (activity,) = plan["local-definitions"]["activities"]
    assert activity["title"] == "TLS everywhere"
    assert activity["related-controls"]["control-selections"][0]["include-controls"] == [{"control-id": "acc-1"}]
    (task,) = plan["tasks"]
    assert task["timing"]["within-date-range"]["start"] == start.isoformat()
    assert task["associated-activities"][0]["activity-uuid"] == activity["uuid"]
    included = plan["reviewed-controls"]["control-selections"][0]["include-controls"]
    assert len(included) == 5


def test_every_control_id_in_every_export_exists_in_the_catalog_it_points_to():
    system, rule, source = system_with_a_rule()
    record(rule, source, "failed")
    now = timezone.now()
    known = catalog_ids(system.framework)
    documents = [
        export_ssp(system=system),
        export_assessment_plan(system=system, start=now, end=now + timedelta(days=7)),
        export_system_results(system=system, start=now - timedelta(days=7), end=now + timedelta(minutes=1)),
        export_poam(system=system),
    ]
    for document in documents:
        ids = control_ids_in(document)
        assert set(ids) <= known, (list(document), set(ids) - known)
    # Component definitions point at an external catalog by href; their ids must survive a round trip.
    if EXAMPLE_COMPONENT_DEFINITION.exists():
        import json

        original = json.loads(EXAMPLE_COMPONENT_DEFINITION.read_text())
        exported = export_component_definition(definition=import_component_definition(document=original))
        assert control_ids_in(exported) == control_ids_in(original)


def test_exports_are_stable_between_runs():
    system, rule, source = system_with_a_rule()
    record(rule, source, "failed")
    now = timezone.now()
    assert export_poam(system=system) == export_poam(system=system)
    args = {"system": system, "start": now - timedelta(days=1), "end": now}
    assert export_system_results(**args) == export_system_results(**args)
    assert export_assessment_plan(**args) == export_assessment_plan(**args)


def test_a_control_moved_to_another_framework_leaves_the_scope_of_every_export():
    from compliance.models import Control
    from compliance.tests.factories import FrameworkFactory

    system, _rule, _source = system_with_a_rule()
    other = FrameworkFactory(code="elsewhere")
    Control.objects.filter(framework=system.framework, ref_id="gov-1").update(framework=other)  # found by fuzzing
    now = timezone.now()
    ssp = export_ssp(system=system)["system-security-plan"]
    assert "gov-1" not in {r["control-id"] for r in ssp["control-implementation"]["implemented-requirements"]}
    export_assessment_plan(system=system, start=now, end=now + timedelta(days=1))
    export_system_results(system=system, start=now - timedelta(days=1), end=now)
