"""Celery tasks: thin, take ids, idempotent; each calls one service."""

from celery import shared_task

from . import control_notices, escalation, notifications, triggering


@shared_task(name="workflows.handle_compliance_events")
def handle_compliance_events(events):
    return triggering.handle_compliance_events(events=events)


@shared_task(name="workflows.check_overdue_steps")
def check_overdue_steps():
    return escalation.mark_overdue_and_escalate()


@shared_task(name="workflows.run_schedule_triggers")
def run_schedule_triggers():
    return triggering.run_due_schedule_triggers()


@shared_task(name="workflows.send_notification_emails")
def send_notification_emails(notification_ids):
    return notifications.send_emails(notification_ids=notification_ids)


@shared_task(name="workflows.notify_control_owners")
def notify_control_owners():
    return control_notices.notify_control_owners()
