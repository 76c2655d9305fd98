"""Figures from the workflows, integrations and reports apps, read through the app registry.

Compliance must not import those apps (dependencies point the other way), so their
models are looked up at call time. Each function returns `{"available": False}` when
the app's model is not installed, so a deployment without that app still has a dashboard.
"""
from collections import Counter
from datetime import timedelta

from django.apps import apps
from django.db.models import Avg, Count, F, Max, Q, Sum

# Workflow states in which work is still expected.
OPEN_WORKFLOW_STATUSES = ("active", "paused", "waiting_approval")
# A sync run counts as the integrations app counts it (Integration.success_rate): a partial
# run (some results unmapped) succeeded, a failed one did not; running and skipped runs
# are not finished syncs.
SUCCEEDED_SYNC_STATUSES = ("success", "partial")
FINISHED_SYNC_STATUSES = (*SUCCEEDED_SYNC_STATUSES, "failed")


def model_or_none(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _field_names(model):
    return {field.name for field in model._meta.get_fields()}


def workflow_stats():
    """Open workflows by status, and how many are overdue.

    Overdue means what the workflows app means by it (`/api/v1/workflows/?overdue=true`):
    the current step is overdue, i.e. the escalation beat found it in progress past its
    due time. A workflow's own due_at is only a target date: nothing marks or escalates it.
    """
    workflow = model_or_none("workflows.Workflow")
    if workflow is None:
        return {"available": False, "active": 0, "overdue": 0, "by_status": {}}
    by_status = dict(workflow.objects.filter(status__in=OPEN_WORKFLOW_STATUSES).values_list("status")
                     .annotate(n=Count("id")).order_by())
    return {
        "available": True,
        "active": sum(by_status.values()),
        "overdue": workflow.objects.filter(current_step__overdue_at__isnull=False).count(),
        "by_status": by_status,
    }


def _success_rate(succeeded, failed):
    """Integration.success_rate's arithmetic: percent of finished syncs, one decimal; None if none."""
    finished = succeeded + failed
    return round(100.0 * succeeded / finished, 1) if finished else None


def integration_health():
    """Integrations by health and status, with the sync success rate over all of them."""
    integration = model_or_none("integrations.Integration")
    if integration is None:
        return {"available": False, "total": 0, "by_health": {}, "by_status": {}, "sync_success_rate": None}
    by_health, by_status, succeeded, failed = Counter(), Counter(), 0, 0
    for health, status, n, ok, bad in integration.objects.values_list("health", "status").annotate(
            n=Count("id"), ok=Sum("successful_syncs"), bad=Sum("failed_syncs")).order_by():
        by_health[health] += n
        by_status[status] += n
        succeeded, failed = succeeded + ok, failed + bad
    rate = _success_rate(succeeded, failed)
    return {
        "available": True,
        "total": sum(by_health.values()),
        "by_health": dict(by_health),
        "by_status": dict(by_status),
        "sync_success_rate": rate,
    }


def recent_reports(*, now, days=30, limit=5):
    """Reports created in the last `days` days: count, by status, and the newest few."""
    report = model_or_none("reports.Report")
    if report is None:
        return {"available": False, "days": days, "total": 0, "by_status": {}, "latest": []}
    recent = report.objects.filter(created_at__gte=now - timedelta(days=days))
    by_status = dict(recent.values_list("status").annotate(n=Count("id")).order_by())
    latest = list(recent.order_by("-created_at", "-id").values("id", "name", "status", "created_at")[:limit])
    return {"available": True, "days": days, "total": sum(by_status.values()), "by_status": by_status,
            "latest": latest}


def sync_metrics(*, since):
    """Sync runs since a time: count, success rate and mean duration (integration logs)."""
    log = model_or_none("integrations.IntegrationLog")
    if log is None:
        return {"available": False, "runs": 0, "success_rate": None, "avg_duration_ms": None}
    finished = log.objects.filter(kind="sync", started_at__gte=since, status__in=FINISHED_SYNC_STATUSES)
    row = finished.aggregate(runs=Count("id"), ok=Count("id", filter=Q(status__in=SUCCEEDED_SYNC_STATUSES)),
                             avg=Avg("duration_ms"))
    return {
        "available": True,
        "runs": row["runs"],
        "success_rate": _success_rate(row["ok"], row["runs"] - row["ok"]),
        "avg_duration_ms": round(row["avg"], 1) if row["avg"] is not None else None,
    }


def report_generation_metrics(*, since):
    """Completed reports since a time: count and mean/max generation time."""
    report = model_or_none("reports.Report")
    if report is None or "generation_time_ms" not in _field_names(report):
        return {"available": False, "completed": 0, "avg_generation_ms": None, "max_generation_ms": None}
    row = report.objects.filter(status="completed", created_at__gte=since, generation_time_ms__isnull=False) \
        .aggregate(n=Count("id"), avg=Avg("generation_time_ms"), longest=Max("generation_time_ms"))
    return {
        "available": True,
        "completed": row["n"],
        "avg_generation_ms": round(row["avg"], 1) if row["avg"] is not None else None,
        "max_generation_ms": row["longest"],
    }


def workflow_cycle_times(*, since):
    """Workflows completed since a time: count and mean hours from start to completion."""
    workflow = model_or_none("workflows.Workflow")
    if workflow is None or not {"started_at", "completed_at"} <= _field_names(workflow):
        return {"available": False, "completed": 0, "avg_cycle_hours": None}
    done = workflow.objects.filter(status="completed", completed_at__gte=since, started_at__isnull=False)
    row = done.aggregate(n=Count("id"), avg=Avg(F("completed_at") - F("started_at")))
    hours = round(row["avg"].total_seconds() / 3600, 1) if row["avg"] is not None else None
    return {"available": True, "completed": row["n"], "avg_cycle_hours": hours}


def recent_audit_activity(*, limit=10):
    """The newest audit entries, for the dashboard's activity card."""
    audit_log = model_or_none("audit.AuditLog")
    if audit_log is None:
        return []
    return list(audit_log.objects.order_by("-id").values(
        "id", "timestamp", "actor_username", "action", "object_repr", "impact_level")[:limit])
