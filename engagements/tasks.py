"""Celery tasks: thin, idempotent; each calls one service."""

from celery import shared_task

from . import escalation


@shared_task(name="engagements.notify_overdue_requests")
def notify_overdue_requests():
    return escalation.notify_overdue_requests()
