"""Workflow endpoints × built-in roles, against one hand-written table (docs/api.md, "Built-in roles")."""

import pytest

from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from workflows.models import WorkflowTemplate

from .factories import WorkflowTemplateFactory, WorkflowTriggerFactory, started_workflow

READERS = {COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR, VIEWER}
EDITORS = {COMPLIANCE_ADMIN, COMPLIANCE_MANAGER}
NO_ROLE = "(no role)"

# (method, url builder, payload builder, roles allowed)
MATRIX = {
    "list templates": ("get", lambda o: "/api/v1/workflow-templates/", None, READERS),
    "edit template": (
        "patch",
        lambda o: f"/api/v1/workflow-templates/{o['template'].pk}/",
        lambda: {"description": "x"},
        EDITORS,
    ),
    "list workflows": ("get", lambda o: "/api/v1/workflows/", None, READERS),
    "workflow steps": ("get", lambda o: f"/api/v1/workflows/{o['workflow'].pk}/steps/", None, READERS),
    "pause workflow": ("post", lambda o: f"/api/v1/workflows/{o['workflow'].pk}/pause/", None, EDITORS),
    "list triggers": ("get", lambda o: "/api/v1/workflow-triggers/", None, READERS),
    "create trigger": (
        "post",
        lambda o: "/api/v1/workflow-triggers/",
        lambda: {"name": "t", "event": "finding_opened", "template": WorkflowTemplateFactory().slug},
        EDITORS,
    ),
    # Step 1's role is Compliance Manager: only its members and compliance admins may act.
    "complete step": (
        "post",
        lambda o: f"/api/v1/workflows/{o['workflow'].pk}/steps/1/complete/",
        lambda: {"comment": "done"},
        EDITORS,
    ),
    "notifications": ("get", lambda o: "/api/v1/notifications/", None, READERS | {NO_ROLE}),
}


# Acting on a step is decided per step, not by a model permission: a user without a role
# reaches the workflow, and an internal workflow does not exist for them (404, not 403).
NAMES_A_WORKFLOW = {"complete step"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(READERS | {NO_ROLE}))
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_matrix(client_as, api_client, role, name):
    method, url, payload, allowed = MATRIX[name]
    objects = {"workflow": started_workflow(), "template": WorkflowTemplateFactory()}
    if role == NO_ROLE:
        api_client.force_authenticate(UserFactory())
        client = api_client
    else:
        client = client_as(role)
    response = getattr(client, method)(url(objects), payload() if payload else None, format="json")
    if role in allowed:
        assert response.status_code < 300, (name, role, response.content)
    elif role == NO_ROLE and name in NAMES_A_WORKFLOW:
        # An internal workflow is readable by role holders only: for anyone else it does not exist.
        assert response.status_code == 404, (name, role, response.status_code)
    else:
        assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.django_db
def test_deleting_a_template_in_use_is_a_conflict(client_as):
    workflow = started_workflow()
    WorkflowTriggerFactory(template=workflow.template)
    response = client_as(COMPLIANCE_MANAGER).delete(f"/api/v1/workflow-templates/{workflow.template.pk}/")
    assert response.status_code == 409
    assert WorkflowTemplate.objects.filter(pk=workflow.template.pk).exists()


@pytest.mark.django_db
def test_anonymous_gets_401_on_actions(api_client):
    workflow = started_workflow()
    assert api_client.post(f"/api/v1/workflows/{workflow.pk}/steps/1/complete/").status_code == 401
    assert api_client.get("/api/v1/notifications/").status_code == 401
