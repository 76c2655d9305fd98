import io

import pytest

from common.roles import COMPLIANCE_ADMIN, COMPLIANCE_MANAGER
from compliance.tests.factories import FrameworkFactory, UserFactory
from workflows.models import WorkflowTemplate
from workflows.seed import seed_builtin
from workflows.services import approve_step, complete_step, start_workflow

from .factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_restores_edits():
    FrameworkFactory(code="soc2")
    out = io.StringIO()
    assert seed_builtin(stdout=out) == {"created": 3, "updated": 0, "unchanged": 0}
    assert "3 created" in out.getvalue()
    assert seed_builtin() == {"created": 0, "updated": 0, "unchanged": 3}
    names = set(WorkflowTemplate.objects.values_list("name", flat=True))
    assert names == {"SOC 2 Assessment", "GDPR Gap Analysis", "Incident Response"}
    soc2 = WorkflowTemplate.objects.get(slug="soc2-assessment")
    assert soc2.framework.code == "soc2" and soc2.is_builtin and soc2.estimated_hours == 82
    assert all(step["estimated_hours"] >= 0 and "role" in step for step in soc2.steps)
    soc2.steps = soc2.steps[:1]
    soc2.save()
    assert seed_builtin() == {"created": 0, "updated": 1, "unchanged": 2}
    assert len(WorkflowTemplate.objects.get(slug="soc2-assessment").steps) == 6


def test_incident_response_runs_and_skips_the_regulator_step_without_a_breach():
    seed_builtin()
    manager, admin = UserFactory(roles=[COMPLIANCE_MANAGER]), UserFactory(roles=[COMPLIANCE_ADMIN])
    workflow = start_workflow(
        workflow=WorkflowFactory(
            template=WorkflowTemplate.objects.get(slug="incident-response"), variables={"personal_data_breach": False}
        )
    )
    for order in (1, 2):
        complete_step(workflow=workflow, order=order, user=manager)
    workflow.refresh_from_db()
    assert workflow.current_step.key == "eradicate"
    assert workflow.steps.get(key="notify-regulator").status == "skipped"
    complete_step(workflow=workflow, order=4, user=manager)
    approve_step(workflow=workflow, order=5, user=admin)
    workflow.refresh_from_db()
    assert workflow.status == "completed" and workflow.progress_percentage == 100.0


def test_soc2_gate_sends_exceptions_back_to_evidence():
    seed_builtin()
    manager = UserFactory(roles=[COMPLIANCE_MANAGER, "Auditor"])
    workflow = start_workflow(
        workflow=WorkflowFactory(
            template=WorkflowTemplate.objects.get(slug="soc2-assessment"), variables={"exceptions_found": True}
        )
    )
    for order in (1, 2, 3):
        complete_step(workflow=workflow, order=order, user=manager)
    workflow.refresh_from_db()
    assert workflow.current_step.key == "evidence" and workflow.status == "active"
    assert workflow.steps.get(key="exceptions-gate").status == "pending"
