"""Periodic audit work: thin tasks that call services (see schedule.py)."""

from celery import shared_task

from . import forwarding, services, transparency


@shared_task(name="audit.checkpoint")
def checkpoint():
    """Sign the end of the chain; idempotent (no new checkpoint when nothing was appended)."""
    cp = services.create_checkpoint(reason="scheduled")
    return cp.seq if cp else None


@shared_task(name="audit.purge")
def purge():
    return services.purge_audit_log()


@shared_task(name="audit.publish_tree_checkpoint")
def publish_tree_checkpoint():
    """Grow the Merkle tree and sign its head; a no-op when no entry was sealed since the last one."""
    cp = transparency.publish_checkpoint()
    return cp.size if cp else None


@shared_task(name="audit.forward_syslog")
def forward_syslog():
    """Send the collector the entries it has not had (a no-op without AUDIT_SYSLOG_HOST)."""
    return forwarding.forward_syslog()
