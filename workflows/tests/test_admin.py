"""The admin: the template step editor validates; workflow actions call the services."""

import json

import pytest
from django.contrib.auth import get_user_model

from common.roles import COMPLIANCE_MANAGER
from compliance.tests.factories import UserFactory
from workflows.models import Notification, Workflow, WorkflowTemplate

from .factories import STANDARD_STEPS, WorkflowFactory, started_workflow

pytestmark = pytest.mark.django_db

# force_login() would pick the first backend (the lockout guard), which loads no users.


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "correct-horse-battery")
    client.force_login(user)
    client.user = user
    return client


def template_form(steps):
    return {
        "name": "Admin template",
        "slug": "admin-template",
        "workflow_type": "review",
        "description": "",
        "steps": json.dumps(steps),
        "escalation_role": COMPLIANCE_MANAGER,
        "escalation_grace_hours": 24,
    }


def test_step_editor_rejects_a_bad_condition(superuser_client):
    steps = [{"key": "g", "name": "Gate", "type": "gate", "condition": "().__class__"}]
    response = superuser_client.post("/admin/workflows/workflowtemplate/add/", template_form(steps))
    assert response.status_code == 200
    assert "Attribute is not allowed" in response.content.decode()
    assert not WorkflowTemplate.objects.exists()


def test_step_editor_saves_valid_steps_and_shows_them(superuser_client):
    response = superuser_client.post("/admin/workflows/workflowtemplate/add/", template_form(STANDARD_STEPS))
    assert response.status_code == 302, response.content.decode()[:2000]
    template = WorkflowTemplate.objects.get(slug="admin-template")
    assert template.estimated_hours == 7.5
    page = superuser_client.get(f"/admin/workflows/workflowtemplate/{template.pk}/change/").content.decode()
    assert "Review the fix" in page and "Step overview" in page


def test_workflow_actions_start_pause_cancel(superuser_client):
    drafts = [WorkflowFactory() for _ in range(2)]
    url = "/admin/workflows/workflow/"
    for action, expected in (
        ("start_selected", "active"),
        ("pause_selected", "paused"),
        ("cancel_selected", "cancelled"),
    ):
        response = superuser_client.post(url, {"action": action, "_selected_action": [w.pk for w in drafts]})
        assert response.status_code == 302
        assert set(Workflow.objects.filter(pk__in=[w.pk for w in drafts]).values_list("status", flat=True)) == {
            expected
        }
    page = superuser_client.get(f"{url}{drafts[0].pk}/change/").content.decode()
    assert "Fix the problem" in page  # the step inline
    assert superuser_client.get(f"{url}?status=cancelled").status_code == 200


def test_notification_admin_lists_only_your_own(client):
    manager = UserFactory(roles=[COMPLIANCE_MANAGER], is_staff=True)
    other = UserFactory(roles=[COMPLIANCE_MANAGER], is_staff=True)
    workflow = started_workflow(assigned_to=manager)
    Notification.objects.create(recipient=other, verb="assigned", workflow=workflow, message="for someone else")
    client.force_login(manager)
    page = client.get("/admin/workflows/notification/").content.decode()
    assert "is waiting for you" in page and "for someone else" not in page


def test_admin_approve_action_needs_approve_step_and_the_step_role(client):
    from .factories import WorkflowTemplateFactory

    steps = [{"key": "ok", "name": "Sign off", "type": "approval", "role": COMPLIANCE_MANAGER}]
    workflow = started_workflow(template=WorkflowTemplateFactory(steps=steps))
    auditor = UserFactory(roles=["Auditor"], is_staff=True)
    client.force_login(auditor)
    page = client.get("/admin/workflows/workflow/").content.decode()
    assert "approve_current_step" not in page  # no workflows.approve_step
    manager = UserFactory(roles=[COMPLIANCE_MANAGER], is_staff=True)
    client.force_login(manager)
    assert "approve_current_step" in client.get("/admin/workflows/workflow/").content.decode()
    client.post("/admin/workflows/workflow/", {"action": "approve_current_step", "_selected_action": [workflow.pk]})
    workflow.refresh_from_db()
    assert workflow.status == "completed"


def test_admin_workflow_form_validates_the_assignee(superuser_client):
    from .factories import WorkflowTemplateFactory

    template = WorkflowTemplateFactory()
    outsider = UserFactory(roles=["Viewer"])
    form = {
        "name": "From admin",
        "template": template.pk,
        "workflow_type": "",
        "priority": "medium",
        "access_level": "internal",  # the select's preselected default, as a browser posts it
        "variables": "{}",
        "assigned_to": outsider.pk,
        **{f"{prefix}-{name}": "0" for prefix in ("steps", "transitions") for name in ("TOTAL_FORMS", "INITIAL_FORMS")},
    }
    response = superuser_client.post("/admin/workflows/workflow/add/", form)
    assert response.status_code == 200 and "none of this workflow" in response.content.decode()
    form["assigned_to"] = UserFactory(roles=[COMPLIANCE_MANAGER]).pk
    assert superuser_client.post("/admin/workflows/workflow/add/", form).status_code == 302
    created = Workflow.objects.get(name="From admin")
    assert created.workflow_type == template.workflow_type and created.created_by == superuser_client.user
