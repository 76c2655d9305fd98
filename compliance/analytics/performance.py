"""Operational metrics: evaluation throughput and duration, syncs, report generation, workflows."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from . import external
from .trends import daily_counts, validate_days


def performance_metrics(*, days=30, now=None):
    """Metrics over the last `days` days (1..730), from rollups and the other apps' tables.

    {"days", "evaluations_per_day": [{"date", "evaluations", "avg_duration_ms"}],
    "evaluations_total", "avg_evaluations_per_day", "avg_duration_ms", "syncs",
    "report_generation", "workflow_cycle"}.
    """
    days = validate_days(days)
    now = now or timezone.now()
    per_day, total, duration_sum, duration_count = [], 0, 0, 0
    for day, counts in daily_counts(days=days, today=now.date()):
        total += counts["evaluations"]
        duration_sum += counts["duration_sum"]
        duration_count += counts["duration_count"]
        per_day.append({"date": day.isoformat(), "evaluations": counts["evaluations"],
                        "avg_duration_ms": _mean(counts["duration_sum"], counts["duration_count"])})
    since = now - timedelta(days=days)
    return {
        "days": days,
        "evaluations_per_day": per_day,
        "evaluations_total": total,
        "avg_evaluations_per_day": _mean(total, days),
        "avg_duration_ms": _mean(duration_sum, duration_count),
        "syncs": external.sync_metrics(since=since),
        "report_generation": external.report_generation_metrics(since=since),
        "workflow_cycle": external.workflow_cycle_times(since=since),
    }


def _mean(total, count):
    if not count:
        return None
    return float((Decimal(total) / count).quantize(Decimal("0.1"), ROUND_HALF_UP))
