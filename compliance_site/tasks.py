"""Celery tasks of the site: thin, each calls one service."""

from celery import shared_task

from audit.context import audit_context
from common import partitions

from . import tokens


@shared_task(name="site.sweep_expired_tokens")
def sweep_expired_tokens():
    with audit_context(source="task", actor_label="task:site.sweep_expired_tokens"):
        return {"expired": tokens.sweep_expired()}


@shared_task(name="site.create_partitions_ahead")
def create_partitions_ahead():
    """Every registered partitioned table gets its next PARTITION_AHEAD intervals now, so no
    insert ever finds its partition missing."""
    return partitions.create_ahead()


@shared_task(name="site.drop_expired_partitions")
def drop_expired_partitions():
    """Whole partitions past retention go, each after its table's check of what is derived
    from it; one that fails the check stays and is reported."""
    report = {}
    for item in partitions.registered():
        dropped, blocked = partitions.drop_older_than(item.table)
        if dropped or blocked:
            report[item.table] = {"dropped": dropped, "blocked": blocked}
    return report
