"""Owners hear before a control's review or an evidence item's expiry is due, and can open
a review workflow from the notice.

`notify_control_owners` runs hourly (workflows/schedule.py). Each notice has a key naming
what it is about and when it is due, unique per recipient, so a rerun sends nothing twice
and a moved review date is a new notice. A control's owner is its user, else the members
of its owning team.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from common.access import AccessLevel
from common.queueing import enqueue_on_commit
from compliance.models import Control, Evidence

from .choices import NotificationVerb, WorkflowType
from .models import Notification, WorkflowTemplate
from .services import create_workflow


def owners_of(control):
    if control.owner_id is not None:
        return [control.owner] if control.owner.is_active else []
    if control.owner_team_id is not None:
        return list(get_user_model().objects.filter(groups=control.owner_team_id, is_active=True).distinct())
    return []


def _send(*, control, recipients, verb, key, message):
    sent = []
    for user in recipients:
        try:
            with transaction.atomic():
                sent.append(
                    Notification.objects.create(
                        recipient=user, verb=verb, control=control, notice_key=key[:120], message=message
                    )
                )
        except IntegrityError:
            continue  # already told: the key is unique per recipient
    if sent:
        record_event(
            action="notifications_created",
            instance=control,
            changes={"verb": [None, verb], "recipients": [None, sorted(n.recipient.get_username() for n in sent)]},
            message=f"{len(sent)} '{verb}' notice(s) for {control.ref_id}",
        )
        enqueue_on_commit("workflows.send_notification_emails", args=[[n.pk for n in sent]])
    return sent


def notify_control_owners(*, now=None):
    """Send the notices due within CONTROL_NOTICE_DAYS; return how many were sent."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.CONTROL_NOTICE_DAYS)
    owned = Control.objects.filter(owner__isnull=False) | Control.objects.filter(owner_team__isnull=False)
    sent = 0
    for control in owned.filter(next_review_at__isnull=False, next_review_at__lte=horizon).select_related("owner"):
        when = control.next_review_at
        sent += len(
            _send(
                control=control,
                recipients=owners_of(control),
                verb=NotificationVerb.REVIEW_DUE,
                key=f"review:{control.pk}:{when.date().isoformat()}",
                message=f"The review of control {control.ref_id} {control.title} is due {when:%Y-%m-%d}.",
            )
        )
    expiring = (
        Evidence.objects.current()
        .filter(expires_at__isnull=False, expires_at__lte=horizon, expires_at__gt=now - timedelta(days=1))
        .prefetch_related("controls__owner")
    )
    for item in expiring:
        for control in item.controls.all():
            if control.owner_id is None and control.owner_team_id is None:
                continue
            sent += len(
                _send(
                    control=control,
                    recipients=owners_of(control),
                    verb=NotificationVerb.EVIDENCE_EXPIRING,
                    key=f"evidence:{item.pk}:{control.pk}",
                    message=(
                        f"Evidence {item.name!r} for control {control.ref_id} expires {item.expires_at:%Y-%m-%d};"
                        " add a new version to keep the control fresh."
                    ),
                )
            )
    return sent


@transaction.atomic
def open_review_workflow(*, notification, actor, template=None):
    """A review workflow for the control a notice is about, assigned to the one who opens it."""
    if notification.control_id is None:
        raise ValidationError({"detail": ["This notification is not about a control."]})
    template = template or WorkflowTemplate.objects.filter(workflow_type=WorkflowType.REVIEW).order_by("pk").first()
    if template is None:
        raise ValidationError({"template": ["No review workflow template exists; create one first."]})
    control = notification.control
    return create_workflow(
        data={
            "name": f"Review {control.ref_id} {control.title}"[:300],
            "template": template,
            "workflow_type": template.workflow_type,
            "assigned_to": actor,
            "access_level": AccessLevel.INTERNAL,
            "variables": {"control": control.pk, "notification": notification.pk},
        },
        actor=actor,
    )
