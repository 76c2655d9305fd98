"""Owners hear before a review or an evidence expiry is due, once; a review workflow opens from the notice."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from common.roles import COMPLIANCE_MANAGER, VIEWER
from compliance.evidence import services as evidence_services
from compliance.tests.factories import ControlFactory, UserFactory
from workflows.control_notices import notify_control_owners
from workflows.models import Notification, Workflow

from .factories import WorkflowTemplateFactory

pytestmark = pytest.mark.django_db


def test_review_and_expiry_notices_go_to_the_owner_once(role_user):
    owner = role_user(COMPLIANCE_MANAGER)
    soon = ControlFactory(owner=owner, next_review_at=timezone.now() + timedelta(days=3))
    ControlFactory(owner=owner, next_review_at=timezone.now() + timedelta(days=60))  # not yet
    ControlFactory(next_review_at=timezone.now() + timedelta(days=1))  # nobody owns it
    team = Group.objects.create(name="platform-team")
    member = UserFactory(username="team-member", roles=[COMPLIANCE_MANAGER])
    member.groups.add(team)
    by_team = ControlFactory(owner_team=team)
    evidence_services.add_evidence(
        data={"controls": [by_team.pk], "collected_at": timezone.now() - timedelta(days=25), "valid_for_days": 30},
        record={"ok": True},
    )
    assert notify_control_owners() == 2
    review = Notification.objects.get(verb="review_due")
    assert review.recipient == owner and review.control == soon and soon.ref_id in review.message
    expiring = Notification.objects.get(verb="evidence_expiring")
    assert expiring.recipient == member and expiring.control == by_team
    assert notify_control_owners() == 0  # told once
    soon.next_review_at = timezone.now() + timedelta(days=5)
    soon.save()
    assert notify_control_owners() == 1  # a new date is a new notice


def test_a_review_workflow_opens_from_the_notice(client_as):
    manager = client_as(COMPLIANCE_MANAGER)
    control = ControlFactory(owner=manager.user, next_review_at=timezone.now() + timedelta(days=2))
    WorkflowTemplateFactory(workflow_type="review", slug="control-review")
    notify_control_owners()
    notice = manager.get("/api/v1/notifications/?verb=review_due").json()["results"][0]
    assert notice["control"] == control.pk
    response = manager.post(f"/api/v1/notifications/{notice['id']}/open-workflow/")
    assert response.status_code == 201, response.content
    workflow = Workflow.objects.get(pk=response.json()["id"])
    assert workflow.workflow_type == "review" and workflow.variables["control"] == control.pk
    assert workflow.assigned_to == manager.user
    assert manager.post("/api/v1/notifications/999999/open-workflow/").status_code == 404


def test_opening_a_workflow_needs_the_right_to_create_one(client_as):
    viewer = client_as(VIEWER)
    ControlFactory(owner=viewer.user, next_review_at=timezone.now() + timedelta(days=2))
    notify_control_owners()
    notice = Notification.objects.get(recipient=viewer.user)
    assert viewer.post(f"/api/v1/notifications/{notice.pk}/open-workflow/").status_code == 403
    assert not Workflow.objects.exists()
