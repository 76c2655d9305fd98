"""SLA: overdue marking and one-time escalation, with a frozen clock passed as `now`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditLog
from common.roles import COMPLIANCE_MANAGER
from compliance.tests.factories import UserFactory
from workflows.escalation import mark_overdue_and_escalate
from workflows.models import Notification
from workflows.services import pause_workflow, start_workflow

from .factories import WorkflowFactory, WorkflowTemplateFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


def at(hours):
    return T0 + timedelta(hours=hours)


@pytest.fixture
def running():
    """A workflow whose first step (due in 24 h, grace 24 h) started at T0, assigned to a manager."""
    assignee = UserFactory(roles=[COMPLIANCE_MANAGER])
    workflow = WorkflowFactory(template=WorkflowTemplateFactory(escalation_grace_hours=24), assigned_to=assignee)
    start_workflow(workflow=workflow, now=T0)
    return workflow, assignee


def test_overdue_then_escalated_exactly_once(running):
    workflow, assignee = running
    managers = [assignee, UserFactory(roles=[COMPLIANCE_MANAGER])]
    step = workflow.steps.get(order=1)
    assert step.due_at == at(24) and step.escalate_at == at(48)

    assert mark_overdue_and_escalate(now=at(23)) == {"overdue": 0, "escalated": 0}
    assert mark_overdue_and_escalate(now=at(25)) == {"overdue": 1, "escalated": 0}
    overdue = Notification.objects.filter(workflow=workflow, verb="overdue")
    assert list(overdue.values_list("recipient", flat=True)) == [assignee.pk]
    assert mark_overdue_and_escalate(now=at(26)) == {"overdue": 0, "escalated": 0}

    assert mark_overdue_and_escalate(now=at(47)) == {"overdue": 0, "escalated": 0}
    assert mark_overdue_and_escalate(now=at(49)) == {"overdue": 0, "escalated": 1}
    escalated = Notification.objects.filter(workflow=workflow, verb="escalated")
    assert set(escalated.values_list("recipient", flat=True)) == {user.pk for user in managers}
    entry = AuditLog.objects.get(action="step_escalated", object_id=str(workflow.pk))
    assert COMPLIANCE_MANAGER in entry.message

    for hours in (50, 100, 1000):
        assert mark_overdue_and_escalate(now=at(hours)) == {"overdue": 0, "escalated": 0}
    assert escalated.count() == len(managers)
    assert overdue.count() == 1
    step.refresh_from_db()
    assert step.overdue_at == at(25) and step.escalated_at == at(49)


def test_long_overdue_step_is_marked_and_escalated_in_one_pass(running):
    assert mark_overdue_and_escalate(now=at(500)) == {"overdue": 1, "escalated": 1}
    assert mark_overdue_and_escalate(now=at(501)) == {"overdue": 0, "escalated": 0}


def test_paused_workflows_are_left_alone(running):
    workflow, _ = running
    pause_workflow(workflow=workflow)
    assert mark_overdue_and_escalate(now=at(500)) == {"overdue": 0, "escalated": 0}


def test_steps_without_a_due_time_never_fall_overdue():
    steps = [{"key": "a", "name": "No SLA", "type": "task", "role": COMPLIANCE_MANAGER}]
    start_workflow(workflow=WorkflowFactory(template=WorkflowTemplateFactory(steps=steps)), now=T0)
    assert mark_overdue_and_escalate(now=at(10000)) == {"overdue": 0, "escalated": 0}


def test_overdue_filter_in_the_api(running, client_as):
    workflow, _ = running
    client = client_as(COMPLIANCE_MANAGER)
    assert client.get("/api/v1/workflows/?overdue=true").json()["count"] == 0
    mark_overdue_and_escalate(now=at(25))
    body = client.get("/api/v1/workflows/?overdue=true").json()
    assert [row["id"] for row in body["results"]] == [workflow.pk]
    assert client.get("/api/v1/workflows/?overdue=false").json()["count"] == 0


def test_beat_schedule_runs_the_check_every_minute():
    from compliance_site.celery import app

    entry = app.conf.beat_schedule["workflows-check-overdue-steps"]
    assert entry["task"] == "workflows.check_overdue_steps" and entry["schedule"] == 60.0
    assert "workflows.check_overdue_steps" in app.tasks
