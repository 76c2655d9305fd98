"""Daily trends read from the rollups (never from raw evaluations)."""

from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from ..evaluations import COUNT_FIELDS, live_rollup_rows, score_from_weights
from ..models import ComplianceRule, EvaluationRollup, Framework, RollupDimension, RuleEvaluation

MIN_DAYS, MAX_DAYS = 1, 730
_CENT = Decimal("0.01")


def _pk(value):
    return value.pk if hasattr(value, "pk") else value


def validate_days(days):
    """`days` as an int in 1..730, else ValueError with a message fit for a 400."""
    if isinstance(days, str) and days.strip().lstrip("-").isdigit():
        days = int(days)
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValueError("days must be a whole number.")
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"days must be between {MIN_DAYS} and {MAX_DAYS}.")
    return days


def rollups_in_scope(*, framework=None, rule=None, data_source=None, rules=None, data_sources=None):
    """The rollup rows for one scope: everything, a framework, a rule, a data source, a set
    of rules (ids or a queryset) or a set of data sources (ids)."""
    given = [
        name
        for name, value in (
            ("framework", framework),
            ("rule", rule),
            ("data_source", data_source),
            ("rules", rules),
            ("data_sources", data_sources),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise ValueError(f"Choose one scope, not {' and '.join(given)}.")
    if rule is not None:
        return EvaluationRollup.objects.filter(dimension=RollupDimension.RULE, key=_pk(rule))
    if data_source is not None:
        return EvaluationRollup.objects.filter(dimension=RollupDimension.DATA_SOURCE, key=_pk(data_source))
    if rules is not None:
        return EvaluationRollup.objects.filter(dimension=RollupDimension.RULE, key__in=rules)
    if data_sources is not None:
        return EvaluationRollup.objects.filter(dimension=RollupDimension.DATA_SOURCE, key__in=list(data_sources))
    if framework is not None:
        framework_id = framework.pk if isinstance(framework, Framework) else framework
        # A list, not a subquery: PostgreSQL then walks the (dimension, key, day) index once
        # per rule instead of reading every rule's rows in the date range.
        rule_ids = list(ComplianceRule.objects.filter(framework_id=framework_id).values_list("pk", flat=True))
        return EvaluationRollup.objects.filter(dimension=RollupDimension.RULE, key__in=rule_ids)
    return EvaluationRollup.objects.filter(dimension=RollupDimension.ALL, key=0)


def _summed_by_day(*, first, today, framework, rule, data_source, rules, data_sources):
    """{day: {count field: value}} over the scope, from rollups; rules *and* data sources
    together, which no rollup covers, are aggregated from the raw evaluations of those pairs."""
    if rules is not None and data_sources is not None and not (framework or rule or data_source):
        raw = RuleEvaluation.objects.filter(
            rule__in=rules,
            data_source__in=list(data_sources),
            evaluated_at__date__gte=first,
            evaluated_at__date__lte=today,
        )
        return {day: counts for (_, day), counts in live_rollup_rows(RollupDimension.ALL, raw).items()}
    return {
        row["day"]: row
        for row in rollups_in_scope(
            framework=framework, rule=rule, data_source=data_source, rules=rules, data_sources=data_sources
        )
        .filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
        .order_by()
    }


def trend_row(day, counts):
    """One trend row from summed rollup counts (zeros when nothing was evaluated)."""
    counted = counts["evaluations"] - counts["not_applicable"]
    pass_rate = score_from_weights(counts["passed"], counted) or 0.0
    avg_score = 0.0
    if counts["score_count"]:
        avg_score = float((Decimal(counts["score_sum"]) / counts["score_count"]).quantize(_CENT, ROUND_HALF_UP))
    return {
        "date": day.isoformat(),
        "evaluations": counts["evaluations"],
        "passed": counts["passed"],
        "failed": counts["failed"],
        "pass_rate": pass_rate,
        "avg_score": avg_score,
    }


def daily_counts(*, days, framework=None, rule=None, data_source=None, rules=None, data_sources=None, today=None):
    """[(day, {count field: value})] for the last `days` days up to `today` (UTC), zeros filled."""
    days = validate_days(days)
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)
    summed = _summed_by_day(
        first=first,
        today=today,
        framework=framework,
        rule=rule,
        data_source=data_source,
        rules=rules,
        data_sources=data_sources,
    )
    empty = dict.fromkeys(COUNT_FIELDS, 0)
    return [(first + timedelta(days=i), summed.get(first + timedelta(days=i), empty)) for i in range(days)]


def trend(*, days=30, framework=None, rule=None, data_source=None, rules=None, data_sources=None, today=None):
    """One row per day for the last `days` days (1..730), oldest first, days without data as zeros.

    Row: {"date", "evaluations", "passed", "failed", "pass_rate", "avg_score"}. pass_rate is
    100 × passed / (evaluations − not_applicable), one decimal; avg_score is the mean of the
    day's scores, two decimals. Scope: everything, or one of framework (a Framework or its
    id), rule or data_source (instance or id), rules (ids or a queryset) or data_sources
    (ids); rules and data_sources together mean those pairs. Raises ValueError for a bad
    `days` or scope.
    """
    return [
        trend_row(day, counts)
        for day, counts in daily_counts(
            days=days,
            framework=framework,
            rule=rule,
            data_source=data_source,
            rules=rules,
            data_sources=data_sources,
            today=today,
        )
    ]


def evaluation_windows(*, today, days):
    """{"all": evaluations ever, n: evaluations in the last n days (today included)} in one query."""
    sums = {"all": Sum("evaluations")}
    for n in days:
        sums[f"last_{n}"] = Sum("evaluations", filter=Q(day__gte=today - timedelta(days=n - 1)))
    totals = EvaluationRollup.objects.filter(dimension=RollupDimension.ALL, key=0).aggregate(**sums)
    return {"all": totals["all"] or 0, **{n: totals[f"last_{n}"] or 0 for n in days}}


def evaluations_last_hours(*, hours=24, now=None):
    """Evaluations in the last `hours` clock hours, the current hour included (hour rollups)."""
    now = (now or timezone.now()).astimezone(UTC)
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    queryset = EvaluationRollup.objects.filter(
        dimension=RollupDimension.HOUR, day__gte=start.date(), day__lte=now.date()
    )
    total = 0
    for day, hour, evaluations in queryset.values_list("day", "key", "evaluations"):
        if start.date() < day or (day == start.date() and hour >= start.hour):
            total += evaluations
    return total
