"""Periodic audit work: thin tasks that call services (see schedule.py)."""

from celery import shared_task

from . import services


@shared_task(name="audit.checkpoint")
def checkpoint():
    """Sign the end of the chain; idempotent (no new checkpoint when nothing was appended)."""
    cp = services.create_checkpoint(reason="scheduled")
    return cp.seq if cp else None


@shared_task(name="audit.purge")
def purge():
    return services.purge_audit_log()
