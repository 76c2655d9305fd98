"""Overdue requests notify their assignee and escalate to the engagement's auditors, once
per request (`escalated_at`), like overdue workflow steps. Runs every 15 minutes (beat)."""

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from workflows.choices import NotificationVerb
from workflows.notifications import notify

from .choices import EngagementStatus, RequestStatus
from .models import EvidenceRequest


def notify_overdue_requests(*, now=None):
    """Notify and escalate every request past its due date not escalated yet; return how many."""
    now = now or timezone.now()
    overdue = (
        EvidenceRequest.objects.filter(
            status__in=(RequestStatus.OPEN, RequestStatus.REJECTED), due_at__lt=now, escalated_at__isnull=True
        )
        .exclude(engagement__status=EngagementStatus.CLOSED)
        .select_related("engagement", "control", "assignee")
    )
    done = 0
    for request in overdue:
        with transaction.atomic():
            locked = EvidenceRequest.objects.select_for_update().get(pk=request.pk)
            if locked.escalated_at is not None:
                continue
            where = f"{request.engagement.name}, control {request.control.ref_id}"
            who = request.assignee.get_username()
            notify(
                recipients=[request.assignee],
                verb=NotificationVerb.OVERDUE,
                message=f"The evidence request {request.title!r} ({where}) was due {request.due_at:%Y-%m-%d %H:%M} UTC",
            )
            notify(
                recipients=request.engagement.auditors.all(),
                verb=NotificationVerb.ESCALATED,
                message=f"{who} has not answered {request.title!r} ({where}) by its due date.",
            )
            locked.escalated_at = now
            locked.save(update_fields=["escalated_at"])
            record_event(action="request_overdue", instance=locked, message=f"due {request.due_at.isoformat()}")
            done += 1
    return done
