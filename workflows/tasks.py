"""Celery tasks: thin, take ids, idempotent; each calls one service."""
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import escalation, triggering
from .choices import TriggerEvent
from .models import Notification


@shared_task(name="workflows.handle_compliance_events")
def handle_compliance_events(events):
    """events: {"finding_opened": [ids], "finding_reopened": [ids], "evaluation_failed": [[rule, source]],
    "finding_resolved": [ids]} — one batch from one ingest transaction."""
    started = 0
    for event in (TriggerEvent.FINDING_OPENED, TriggerEvent.FINDING_REOPENED):
        if events.get(event):
            started += triggering.start_workflows_for_findings(event=event, finding_ids=events[event])
    if events.get(TriggerEvent.EVALUATION_FAILED):
        started += triggering.start_workflows_for_failed_pairs(pairs=events[TriggerEvent.EVALUATION_FAILED])
    noted = triggering.note_resolved_findings(finding_ids=events["finding_resolved"]) if events.get(
        "finding_resolved") else 0
    return {"started": started, "noted": noted}


@shared_task(name="workflows.check_overdue_steps")
def check_overdue_steps():
    return escalation.mark_overdue_and_escalate()


@shared_task(name="workflows.run_schedule_triggers")
def run_schedule_triggers():
    return triggering.run_due_schedule_triggers()


@shared_task(name="workflows.send_notification_emails")
def send_notification_emails(notification_ids):
    """Email each notification once: the row is claimed and stamped in one transaction."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            notification = (Notification.objects.select_for_update(skip_locked=True, of=("self",))
                            .select_related("recipient", "workflow", "step")
                            .filter(pk=pk, emailed_at__isnull=True).first())
            if notification is None or not notification.recipient.email:
                continue
            context = {"notification": notification, "site_url": getattr(settings, "SITE_URL", "")}
            send_mail(
                subject=f"[Compliance] {notification.get_verb_display()}: {notification.target}"[:200],
                message=render_to_string("workflows/email/notification.txt", context),
                from_email=None, recipient_list=[notification.recipient.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent
