"""Operational metrics of evaluations: throughput and duration (the site adds the other apps')."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from .trends import daily_counts, validate_days


def evaluation_metrics(*, days=30, now=None):
    """Evaluation metrics over the last `days` days (1..730), from rollups.

    {"days", "evaluations_per_day": [{"date", "evaluations", "avg_duration_ms"}],
    "evaluations_total", "avg_evaluations_per_day", "avg_duration_ms"}.
    """
    days = validate_days(days)
    now = now or timezone.now()
    per_day, total, duration_sum, duration_count = [], 0, 0, 0
    for day, counts in daily_counts(days=days, today=now.date()):
        total += counts["evaluations"]
        duration_sum += counts["duration_sum"]
        duration_count += counts["duration_count"]
        per_day.append(
            {
                "date": day.isoformat(),
                "evaluations": counts["evaluations"],
                "avg_duration_ms": _mean(counts["duration_sum"], counts["duration_count"]),
            }
        )
    return {
        "days": days,
        "evaluations_per_day": per_day,
        "evaluations_total": total,
        "avg_evaluations_per_day": _mean(total, days),
        "avg_duration_ms": _mean(duration_sum, duration_count),
    }


def _mean(total, count):
    if not count:
        return None
    return float((Decimal(total) / count).quantize(Decimal("0.1"), ROUND_HALF_UP))
