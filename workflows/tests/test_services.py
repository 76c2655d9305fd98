"""Step-running rules that the API tests do not reach: gates, loops, run-time condition errors."""

import pytest

from common.roles import COMPLIANCE_MANAGER
from workflows.models import Workflow, WorkflowTransition
from workflows.services import start_workflow

from .factories import WorkflowFactory, WorkflowTemplateFactory

pytestmark = pytest.mark.django_db


def run(steps, variables):
    workflow = WorkflowFactory(template=WorkflowTemplateFactory(steps=steps), variables=variables)
    start_workflow(workflow=workflow)
    return Workflow.objects.get(pk=workflow.pk)


GATE_THEN_TASK = [
    {"key": "gate", "name": "Only risky ones", "type": "gate", "condition": "score < 80"},
    {"key": "work", "name": "Work", "type": "task", "role": COMPLIANCE_MANAGER},
]


def test_open_gate_passes_through():
    workflow = run(GATE_THEN_TASK, {"score": 50})
    assert workflow.status == "active" and workflow.current_step.key == "work"
    assert workflow.progress_percentage == 50.0


def test_closed_gate_fails_the_workflow_with_the_reason():
    workflow = run(GATE_THEN_TASK, {"score": 95})
    assert workflow.status == "failed" and workflow.current_step is None
    assert "Gate 'gate'" in WorkflowTransition.objects.get(workflow=workflow, to_status="failed").reason
    assert list(workflow.steps.values_list("status", flat=True)) == ["rejected", "cancelled"]


def test_run_time_condition_error_fails_with_the_reason():
    workflow = run(GATE_THEN_TASK, {"score": "not a number"})
    assert workflow.status == "failed"
    assert "Cannot evaluate" in WorkflowTransition.objects.get(workflow=workflow, to_status="failed").reason


def test_steps_that_loop_without_a_person_fail_instead_of_spinning():
    steps = [
        {"key": "tell", "name": "Tell", "type": "notification", "role": COMPLIANCE_MANAGER},
        {"key": "gate", "name": "Never", "type": "gate", "condition": "False", "on_reject": "goto:tell"},
    ]
    workflow = run(steps, {})
    assert workflow.status == "failed"
    assert "looped" in WorkflowTransition.objects.get(workflow=workflow, to_status="failed").reason


def test_all_steps_skipped_completes_at_start():
    steps = [{"key": "only", "name": "Only if", "type": "task", "role": COMPLIANCE_MANAGER, "condition": "flag"}]
    workflow = run(steps, {})
    assert workflow.status == "completed" and workflow.progress_percentage == 100.0
