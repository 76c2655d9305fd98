"""Celery tasks: thin, take ids, call one service. Routed to the `integrations` queue."""

from celery import shared_task

from audit.context import audit_context

from . import services


@shared_task(name="integrations.sync_integration", bind=True)
def sync_integration(self, integration_id, trigger="schedule"):
    """Run one sync. Returns counts only: no message text, so nothing secret reaches a result."""
    with audit_context(
        source="task", actor_label=f"task:integrations.sync:{integration_id}", request_id=self.request.id or ""
    ):
        log = services.run_sync(integration_id=integration_id, trigger=trigger, task_id=self.request.id or "")
    if log is None:
        return {"integration_id": integration_id, "status": "missing"}
    return {"integration_id": integration_id, "log_id": log.pk, "status": log.status}


@shared_task(name="integrations.dispatch_due_syncs")
def dispatch_due_syncs():
    with audit_context(source="task", actor_label="task:integrations.dispatch"):
        return {"queued": services.dispatch_due_syncs()}
