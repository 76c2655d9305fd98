"""The full workflow lifecycle through the API, with users in the different roles."""

import pytest
from django.core import mail

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from workflows.models import Notification, StepApproval, WorkflowTransition

from .factories import WorkflowTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(client_as):
    return {role: client_as(role) for role in (COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR, VIEWER)}


def create_and_start(client, **extra):
    template = extra.pop("template", None) or WorkflowTemplateFactory()
    response = client.post(
        "/api/v1/workflows/",
        {"name": "Fix bucket", "template": template.slug, "variables": {"severity": "high"}, **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    started = client.post(f"/api/v1/workflows/{pk}/start/")
    assert started.status_code == 200, started.content
    return pk, started.json()


def step_post(client, pk, order, verb, comment="ok"):
    return client.post(f"/api/v1/workflows/{pk}/steps/{order}/{verb}/", {"comment": comment}, format="json")


def test_full_lifecycle_with_roles(people, django_capture_on_commit_callbacks):
    manager, admin, auditor = people[COMPLIANCE_MANAGER], people[COMPLIANCE_ADMIN], people[AUDITOR]
    pk, body = create_and_start(manager, assigned_to=manager.user.pk)
    assert body["status"] == "active"
    assert body["current_step"]["order"] == 1 and body["progress_percentage"] == 0

    steps = manager.get(f"/api/v1/workflows/{pk}/steps/").json()
    assert [s["status"] for s in steps] == ["in_progress", "pending", "pending", "pending"]
    assert steps[0]["assigned_to"] == manager.user.username and steps[0]["due_at"]

    # A viewer is not in the task's role: 403, audited, nothing changes.
    denied = step_post(people[VIEWER], pk, 1, "complete")
    assert denied.status_code == 403
    # One entry, naming the workflow and the step (not a second generic one from the handler).
    denial = AuditLog.objects.get(action="permission_denied")
    assert denial.object_id == str(pk) and "step 1" in denial.message

    # Acting on a step that is not current is a conflict.
    assert step_post(admin, pk, 2, "approve").status_code == 409

    done = step_post(manager, pk, 1, "complete")
    assert done.status_code == 200, done.content
    body = done.json()["workflow"]
    assert body["status"] == "waiting_approval" and body["current_step"]["order"] == 2
    assert body["progress_percentage"] == 25.0
    assert step_post(manager, pk, 1, "complete").status_code == 409  # already done

    # The manager is not in the approval's role (Compliance Admin): 403.
    assert step_post(manager, pk, 2, "approve").status_code == 403
    assert step_post(admin, pk, 2, "complete").status_code == 409  # approvals are approved, not completed
    approved = step_post(admin, pk, 2, "approve", comment="Looks right")
    assert approved.status_code == 200, approved.content
    assert AuditLog.objects.filter(action="step_approved", object_id=str(pk)).exists()

    # severity is high, so the auditor step runs.
    body = approved.json()["workflow"]
    assert body["status"] == "active" and body["current_step"]["key"] == "audit"
    with django_capture_on_commit_callbacks(execute=False):
        finished = step_post(auditor, pk, 3, "complete")
    body = finished.json()["workflow"]
    assert body["status"] == "completed" and body["progress_percentage"] == 100.0 and body["current_step"] is None
    assert [t.to_status for t in WorkflowTransition.objects.filter(workflow_id=pk)] == [
        "active",
        "waiting_approval",
        "active",
        "completed",
    ]
    verbs = set(Notification.objects.filter(workflow_id=pk).values_list("verb", flat=True))
    assert {"assigned", "approval_needed", "step_notice", "completed"} <= verbs
    assert step_post(auditor, pk, 3, "complete").status_code == 409


def test_conditional_step_is_skipped(people):
    manager, admin = people[COMPLIANCE_MANAGER], people[COMPLIANCE_ADMIN]
    response = manager.post(
        "/api/v1/workflows/",
        {"name": "Low", "template": WorkflowTemplateFactory().slug, "variables": {"severity": "low"}},
        format="json",
    )
    pk = response.json()["id"]
    manager.post(f"/api/v1/workflows/{pk}/start/")
    step_post(manager, pk, 1, "complete")
    body = step_post(admin, pk, 2, "approve").json()["workflow"]
    assert body["status"] == "completed"
    statuses = [s["status"] for s in manager.get(f"/api/v1/workflows/{pk}/steps/").json()]
    assert statuses == ["completed", "completed", "skipped", "completed"]


def test_rejection_goes_back_and_a_second_rejection_path_fails(people):
    manager, admin = people[COMPLIANCE_MANAGER], people[COMPLIANCE_ADMIN]
    pk, _ = create_and_start(manager, assigned_to=manager.user.pk)
    step_post(manager, pk, 1, "complete")
    rejected = step_post(admin, pk, 2, "reject", comment="Not fixed")
    assert rejected.status_code == 200, rejected.content
    body = rejected.json()["workflow"]
    assert body["status"] == "active" and body["current_step"]["key"] == "fix"
    assert AuditLog.objects.filter(action="step_rejected", object_id=str(pk)).exists()
    assert Notification.objects.filter(workflow_id=pk, verb="rejected", recipient=manager.user).exists()
    steps = manager.get(f"/api/v1/workflows/{pk}/steps/").json()
    assert steps[0]["round"] == 2 and steps[1]["status"] == "pending"
    # Round two: the approval is fresh (the old decision does not count).
    step_post(manager, pk, 1, "complete")
    assert step_post(admin, pk, 2, "approve").json()["workflow"]["current_step"]["key"] == "audit"
    # A rejection of a step whose on_reject is "fail" fails the workflow.
    failed = step_post(people[AUDITOR], pk, 3, "reject", comment="Evidence missing")
    assert failed.json()["workflow"]["status"] == "failed"
    assert step_post(people[AUDITOR], pk, 3, "complete").status_code == 409


def test_quorum_needs_distinct_approvers(client_as):
    steps = [{"key": "ok", "name": "Two approvals", "type": "approval", "role": COMPLIANCE_MANAGER, "quorum": 2}]
    template = WorkflowTemplateFactory(steps=steps)
    first = client_as(COMPLIANCE_MANAGER)
    second_user = UserFactory(roles=[COMPLIANCE_MANAGER])
    pk, body = create_and_start(first, template=template)
    assert body["status"] == "waiting_approval"
    assert step_post(first, pk, 1, "approve").json()["workflow"]["status"] == "waiting_approval"
    assert step_post(first, pk, 1, "approve").status_code == 409  # the same person twice
    first.force_authenticate(second_user)
    assert step_post(first, pk, 1, "approve").json()["workflow"]["status"] == "completed"
    assert StepApproval.objects.filter(step__workflow_id=pk, decision="approved").count() == 2


def test_pause_resume_cancel_and_conflicts(people):
    manager = people[COMPLIANCE_MANAGER]
    pk, _ = create_and_start(manager)
    assert manager.post(f"/api/v1/workflows/{pk}/start/").status_code == 409
    assert manager.post(f"/api/v1/workflows/{pk}/resume/").status_code == 409
    assert manager.post(f"/api/v1/workflows/{pk}/pause/", {"reason": "waiting on vendor"}).json()["status"] == "paused"
    assert manager.post(f"/api/v1/workflows/{pk}/pause/").status_code == 409
    assert step_post(manager, pk, 1, "complete").status_code == 409  # paused: nothing moves
    assert manager.post(f"/api/v1/workflows/{pk}/resume/").json()["status"] == "active"
    assert manager.post(f"/api/v1/workflows/{pk}/cancel/").json()["status"] == "cancelled"
    for verb in ("start", "pause", "resume", "cancel"):
        assert manager.post(f"/api/v1/workflows/{pk}/{verb}/").status_code == 409
    assert WorkflowTransition.objects.get(workflow_id=pk, to_status="paused").reason == "waiting on vendor"
    statuses = {s["status"] for s in manager.get(f"/api/v1/workflows/{pk}/steps/").json()}
    assert statuses == {"cancelled"}


def test_step_action_bad_input(people):
    manager = people[COMPLIANCE_MANAGER]
    pk, _ = create_and_start(manager)
    url = f"/api/v1/workflows/{pk}/steps/1/complete/"
    assert manager.post(url, "{nope", content_type="application/json").status_code == 400
    assert manager.post(url, {"comment": {"nested": 1}}, format="json").status_code == 400
    assert manager.post(url, {"comment": "x" * 5001}, format="json").status_code == 400
    assert manager.post(f"/api/v1/workflows/{pk}/steps/99/complete/", {}, format="json").status_code == 404
    assert manager.post("/api/v1/workflows/999999/steps/1/complete/", {}, format="json").status_code == 404
    assert manager.get(f"/api/v1/workflows/{pk}/steps/").json()[0]["status"] == "in_progress"


def test_assignment_requires_the_step_role(people):
    manager, admin = people[COMPLIANCE_MANAGER], people[COMPLIANCE_ADMIN]
    pk, _ = create_and_start(manager)
    viewer = people[VIEWER].user
    refused = manager.post(f"/api/v1/workflows/{pk}/steps/1/assign/", {"assigned_to": viewer.pk}, format="json")
    assert refused.status_code == 400 and "not an active member" in refused.json()["assigned_to"][0]
    other = UserFactory(roles=[COMPLIANCE_MANAGER])
    ok = manager.post(f"/api/v1/workflows/{pk}/steps/1/assign/", {"assigned_to": other.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["assigned_to"] == other.username
    assert Notification.objects.filter(recipient=other, verb="assigned").exists()
    # The assignee may act even without the role... and an admin always may.
    assert step_post(admin, pk, 1, "complete").status_code == 200
    assert (
        manager.post(f"/api/v1/workflows/{pk}/steps/1/assign/", {"assigned_to": other.pk}, format="json").status_code
        == 409
    )


def test_notifications_are_the_callers_own(people, django_capture_on_commit_callbacks, settings, eager_celery):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager, viewer = people[COMPLIANCE_MANAGER], people[VIEWER]
    with django_capture_on_commit_callbacks(execute=True):
        pk, _ = create_and_start(manager, assigned_to=manager.user.pk)
    mine = manager.get("/api/v1/notifications/").json()
    assert mine["count"] >= 1
    assert all(n["target"]["workflow"] == pk for n in mine["results"])
    assert viewer.get("/api/v1/notifications/").json()["count"] == 0
    note_id = mine["results"][0]["id"]
    assert viewer.get(f"/api/v1/notifications/{note_id}/").status_code == 404
    assert viewer.post(f"/api/v1/notifications/{note_id}/read/").status_code == 404
    read = manager.post(f"/api/v1/notifications/{note_id}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert manager.get("/api/v1/notifications/?unread=true").json()["count"] == mine["count"] - 1
    assert manager.get("/api/v1/notifications/?verb=bogus").status_code == 400
    # The assignment email went out through Django's email backend.
    assert any(manager.user.email in m.to and "Fix bucket" in m.body for m in mail.outbox)


def test_state_change_bad_input_changes_nothing(people):
    manager = people[COMPLIANCE_MANAGER]
    pk, _ = create_and_start(manager)
    for body in ({"reason": {"nested": 1}}, {"reason": "x" * 2001}, ["a", "list"]):
        response = manager.post(f"/api/v1/workflows/{pk}/pause/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert manager.post(f"/api/v1/workflows/{pk}/pause/", "{bad", content_type="application/json").status_code == 400
    assert manager.post(f"/api/v1/workflows/{pk}/steps/1/complete/", ["x"], format="json").status_code == 400
    assert manager.get(f"/api/v1/workflows/{pk}/").json()["status"] == "active"


def test_notification_and_step_lists_do_not_grow_queries(people, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = people[COMPLIANCE_MANAGER]
    counts = []
    for _ in range(2):
        for _ in range(3):
            create_and_start(manager, assigned_to=manager.user.pk)
        with CaptureQueriesContext(connection) as notifications:
            assert manager.get("/api/v1/notifications/").status_code == 200
        counts.append(len(notifications))
    assert counts[0] == counts[1], counts
    pk, _ = create_and_start(manager, assigned_to=manager.user.pk)
    with django_assert_max_num_queries(6):
        assert len(manager.get(f"/api/v1/workflows/{pk}/steps/").json()) == 4
