"""Celery tasks: thin, take ids, idempotent (see generation.py for why running twice is safe)."""

from celery import shared_task
from django.conf import settings

from . import distribution, generation, scheduling

MAX_RETRIES = 3


@shared_task(
    name="reports.generate_report",
    bind=True,
    acks_late=True,
    soft_time_limit=getattr(settings, "REPORTS_TASK_SOFT_TIME_LIMIT", 540),
)
def generate_report_task(self, report_id, task_id):
    """Generate one report; only transient database errors are retried."""
    try:
        return generation.generate_report(report_id=report_id, task_id=task_id)
    except generation.TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            generation.mark_failed(
                report_id=report_id, task_id=task_id, message=f"Gave up after {MAX_RETRIES} retries: {exc}"
            )
            return "failed"
        raise self.retry(exc=exc, countdown=2**self.request.retries * 5) from exc


@shared_task(name="reports.dispatch_due_schedules")
def dispatch_due_schedules_task():
    return scheduling.dispatch_due_schedules()


@shared_task(name="reports.distribute_report", bind=True, max_retries=MAX_RETRIES, acks_late=True)
def distribute_report_task(self, report_id):
    try:
        return distribution.distribute_report(report_id=report_id)
    except OSError as exc:  # SMTP/network trouble is transient; a bad template is not
        raise self.retry(exc=exc, countdown=60) from exc
