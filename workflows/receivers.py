"""Reacting to compliance events: collect them per transaction, hand them to one task after commit.

A bulk ingest of 10,000 rows can send thousands of finding signals inside one
transaction. The receivers do no queries per signal: they append ids to a batch that
belongs to the current transaction, and one on-commit callback enqueues the task(s).
Whether any trigger exists at all is asked once per transaction.
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.dispatch import receiver

from common.queueing import enqueue_on_commit
from compliance import signals
from compliance.choices import EvaluationStatus

from .choices import TriggerEvent

CHUNK = 500
RESOLVED = "finding_resolved"  # not a trigger event: resolutions add notes to open workflows


class _Batch:
    def __init__(self):
        from .choices import OPEN_WORKFLOW_STATUSES
        from .models import Workflow, WorkflowTrigger

        self.events = {}
        self.flushed = False
        self.wanted = set(WorkflowTrigger.objects.filter(is_active=True).values_list("event", flat=True).distinct())
        if Workflow.objects.filter(status__in=OPEN_WORKFLOW_STATUSES, finding__isnull=False).exists():
            self.wanted.add(RESOLVED)

    def add(self, event, item):
        if event in self.wanted:
            self.events.setdefault(event, []).append(item)

    def flush(self):
        self.flushed = True

        longest = max((len(items) for items in self.events.values()), default=0)
        for start in range(0, longest, CHUNK):
            chunk = {event: items[start : start + CHUNK] for event, items in self.events.items()}
            if any(chunk.values()):
                enqueue_on_commit("workflows.handle_compliance_events", args=[chunk])


def _collect(event, items):
    """Add items to the current transaction's batch (a rolled-back transaction's batch goes with it)."""
    conn = connections[DEFAULT_DB_ALIAS]  # one lookup: the proxy costs more than the rest of this call
    if not conn.in_atomic_block:
        batch = _Batch()
        for item in items:
            batch.add(event, item)
        batch.flush()
        return
    batch = getattr(conn, "_workflow_event_batch", None)
    if batch is None or batch.flushed or not any(cb == batch.flush for _, cb, _ in conn.run_on_commit):
        batch = conn._workflow_event_batch = _Batch()
        transaction.on_commit(batch.flush)
    for item in items:
        batch.add(event, item)


@receiver(signals.evaluations_recorded, dispatch_uid="workflows_evaluations_recorded")
def on_evaluations_recorded(sender, evaluations, **kwargs):
    failed = {(e.rule_id, e.data_source_id) for e in evaluations if e.status == EvaluationStatus.FAILED}
    if failed:
        _collect(TriggerEvent.EVALUATION_FAILED, [list(pair) for pair in sorted(failed)])


@receiver(signals.finding_opened, dispatch_uid="workflows_finding_opened")
def on_finding_opened(sender, finding, **kwargs):
    _collect(TriggerEvent.FINDING_OPENED, [finding.pk])


@receiver(signals.finding_reopened, dispatch_uid="workflows_finding_reopened")
def on_finding_reopened(sender, finding, **kwargs):
    _collect(TriggerEvent.FINDING_REOPENED, [finding.pk])


@receiver(signals.finding_resolved, dispatch_uid="workflows_finding_resolved")
def on_finding_resolved(sender, finding, **kwargs):
    _collect(RESOLVED, [finding.pk])
