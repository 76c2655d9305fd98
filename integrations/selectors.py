"""Read-side queries shared by the API, the admin and the site's dashboard."""

from collections import Counter

from django.db.models import Avg, Count, Q, Sum

from .choices import FINISHED_SYNC_STATUSES, SUCCEEDED_SYNC_STATUSES, LogKind
from .models import Integration, IntegrationLog, success_rate


def integrations_for_list():
    """Credentials stay unloaded: reads never need them, and a key problem must not
    turn every list or detail request into an error."""
    return Integration.objects.defer("credentials").prefetch_related("frameworks")


def logs_for(integration):
    return IntegrationLog.objects.filter(integration=integration)


def health_summary():
    """Integrations by health and status, with the sync success rate over all of them."""
    by_health, by_status, succeeded, failed = Counter(), Counter(), 0, 0
    for health, status, n, ok, bad in (
        Integration.objects.values_list("health", "status")
        .annotate(n=Count("id"), ok=Sum("successful_syncs"), bad=Sum("failed_syncs"))
        .order_by()
    ):
        by_health[health] += n
        by_status[status] += n
        succeeded, failed = succeeded + ok, failed + bad
    return {
        "available": True,
        "total": sum(by_health.values()),
        "by_health": dict(by_health),
        "by_status": dict(by_status),
        "sync_success_rate": success_rate(succeeded, failed),
    }


def sync_metrics(*, since):
    """Sync runs since a time: count, success rate and mean duration."""
    finished = IntegrationLog.objects.filter(
        kind=LogKind.SYNC, started_at__gte=since, status__in=FINISHED_SYNC_STATUSES
    )
    row = finished.aggregate(
        runs=Count("id"), ok=Count("id", filter=Q(status__in=SUCCEEDED_SYNC_STATUSES)), avg=Avg("duration_ms")
    )
    return {
        "available": True,
        "runs": row["runs"],
        "success_rate": success_rate(row["ok"], row["runs"] - row["ok"]),
        "avg_duration_ms": round(row["avg"], 1) if row["avg"] is not None else None,
    }
