"""Read-side queries behind the report sections.

Scores always come from compliance.scoring (the dashboard's one definition). The trend,
past-score and coverage queries here are candidates to move to compliance.analytics once
it offers them (see docs/reports.md).
"""
import datetime

from django.db.models import Avg, Count, DecimalField, F, Max, Q, Sum
from django.db.models.functions import Cast, Round

from audit.models import AuditLog
from compliance.analytics import history, trends
from compliance.choices import EvaluationStatus, Severity
from compliance.models import Control, ControlMapping, Finding, LatestEvaluation, RuleEvaluation
from compliance.models_rollups import EvaluationRollup, RollupDimension
from compliance.rollups import COUNT_FIELDS
from compliance.scoring import ScoreTally, score_tally

from .choices import ReportStatus
from .models import Report

SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


def scope_figures(scope):
    """The headline numbers recorded on the Report (same scope as the dashboard's score)."""
    tally = score_tally(**scope.score_kwargs())
    pairs = LatestEvaluation.objects.filter(**scope.pair_filter())
    return {
        "compliance_score": tally.score,
        "rule_count": scope.rules().count(),
        "data_source_count": pairs.values("data_source").distinct().count(),
        "finding_count": Finding.objects.active().filter(**scope.pair_filter()).count(),
        "evaluated_pairs": tally.passed + tally.failed + tally.error + tally.not_applicable,
        "passed": tally.passed,
        "failed": tally.failed,
        "error": tally.error,
    }


def score_as_of(scope, at):
    """The scope's score as it stood at `at` (the dashboard's point-in-time definition)."""
    return history.score_as_of(at, **scope.score_kwargs())["score"]


def daily_trend(scope):
    """Trend rows for the period, oldest first, from the same rollups as the dashboard.

    compliance.analytics.trends covers everything or one framework; a report scoped to
    chosen rules (or data sources) sums those rules' (or sources') rollup rows the same way.
    Only a scope of rules *and* data sources, which no rollup covers, counts raw evaluations.
    """
    days = min(scope.period_days, trends.MAX_DAYS)
    today = scope.end.date()
    first = today - datetime.timedelta(days=days - 1)
    rule_ids, source_ids = scope.rule_ids, scope.data_source_ids
    if rule_ids is None and source_ids is None:
        return trends.trend(days=days, framework=scope.framework, today=today)
    if source_ids is None:
        rows = EvaluationRollup.objects.filter(dimension=RollupDimension.RULE, key__in=scope.rules().values("pk"))
    elif rule_ids is None and scope.framework is None:
        rows = EvaluationRollup.objects.filter(dimension=RollupDimension.DATA_SOURCE, key__in=list(source_ids))
    else:
        rows = RuleEvaluation.objects.filter(**scope.pair_filter()).annotate(day=F("evaluated_at__date"))
    if rows.model is EvaluationRollup:
        rows = rows.values("day").annotate(**{name: Sum(name) for name in COUNT_FIELDS})
    else:
        rows = rows.values("day").annotate(
            evaluations=Count("id"),
            passed=Count("id", filter=Q(status=EvaluationStatus.PASSED)),
            failed=Count("id", filter=Q(status=EvaluationStatus.FAILED)),
            not_applicable=Count("id", filter=Q(status=EvaluationStatus.NOT_APPLICABLE)),
            score_count=Count("score"),
            score_sum=Sum(Round(Cast("score", DecimalField(max_digits=24, decimal_places=6)), 6)),
        )
    by_day = {row["day"]: row for row in rows.filter(day__gte=first, day__lte=today).order_by()}
    empty = dict.fromkeys(COUNT_FIELDS, 0)
    return [trends.trend_row(day, by_day.get(day, empty))
            for day in (first + datetime.timedelta(days=i) for i in range(days))]


def open_findings(scope, *, limit):
    """Active findings in scope, worst severity and oldest first; and counts by severity.

    Rows are dicts, not model instances: a findings section lists up to 5,000 of them, and
    building (and audit-snapshotting) a Finding, a rule, a framework and a data source per
    row took seven times as long as the query itself.
    """
    qs = Finding.objects.active().filter(**scope.pair_filter())
    counts = dict(qs.values_list("severity").annotate(n=Count("id")).order_by())
    rows = list(
        qs.order_by(severity_rank(), "opened_at", "id")
        .values("severity", "title", "status", "opened_at", "occurrences", rule_name=F("rule__name"),
                framework_code=F("rule__framework__code"), data_source_name=F("data_source__name"))[:limit]
    )
    return rows, {severity: counts.get(severity, 0) for severity in SEVERITY_ORDER}


def severity_rank(field="severity"):
    """An ORDER BY expression putting critical first."""
    from django.db.models import Case, IntegerField, Value, When

    return Case(*[When(**{field: sev}, then=Value(i)) for i, sev in enumerate(SEVERITY_ORDER)],
                default=Value(len(SEVERITY_ORDER)), output_field=IntegerField())


def rule_tallies(scope):
    """[(rule, ScoreTally)] for every rule in scope, tallied in one grouped query.

    Rules are dicts (pk, name, severity, framework_code), for the reason open_findings gives.
    """
    rows = (LatestEvaluation.objects.filter(**scope.pair_filter())
            .values("rule_id", "status", "rule__severity").annotate(n=Count("id")).order_by())
    tallies = {}
    for row in rows:
        tallies[row["rule_id"]] = tallies.get(row["rule_id"], ScoreTally()).add(
            status=row["status"], severity=row["rule__severity"], count=row["n"])
    rules = (scope.rules().order_by("framework__code", "name")
             .values("pk", "name", "severity", framework_code=F("framework__code")))
    return [(rule, tallies.get(rule["pk"], ScoreTally())) for rule in rules]


def data_source_tallies(scope):
    """[(data_source, ScoreTally, open findings)] for the data sources evaluated in scope."""
    rows = (LatestEvaluation.objects.filter(**scope.pair_filter())
            .values("data_source_id", "status", "rule__severity").annotate(n=Count("id")).order_by())
    tallies = {}
    for row in rows:
        key = row["data_source_id"]
        tallies[key] = tallies.get(key, ScoreTally()).add(
            status=row["status"], severity=row["rule__severity"], count=row["n"])
    open_counts = dict(Finding.objects.active().filter(**scope.pair_filter())
                       .values_list("data_source_id").annotate(n=Count("id")).order_by())
    sources = scope.data_sources().filter(pk__in=list(tallies)).select_related("owner").order_by("name")
    return [(source, tallies[source.pk], open_counts.get(source.pk, 0)) for source in sources]


def control_coverage(scope, *, limit):
    """Controls of the frameworks in scope with rule counts and latest-evaluation outcomes.

    Controls are dicts (framework_code, ref_id, title, rule_total, passed, failing).
    """
    rules = scope.rules()
    controls = Control.objects.filter(is_group=False)
    if scope.framework is not None:
        controls = controls.filter(framework=scope.framework)
    else:
        controls = controls.filter(framework__in=rules.values("framework"))
    in_scope = Q(rules__in=rules)
    latest = Q(rules__in=rules, rules__latest_evaluations__in=LatestEvaluation.objects.filter(**scope.pair_filter()))
    controls = controls.annotate(
        rule_total=Count("rules", filter=in_scope, distinct=True),
        passed=Count("rules__latest_evaluations", distinct=True,
                     filter=latest & Q(rules__latest_evaluations__status=EvaluationStatus.PASSED)),
        failing=Count("rules__latest_evaluations", distinct=True,
                      filter=latest & Q(rules__latest_evaluations__status__in=[EvaluationStatus.FAILED,
                                                                               EvaluationStatus.ERROR])),
    ).order_by("framework__code", "sort_order", "ref_id")
    total = controls.count()
    rows = controls.values("ref_id", "title", "rule_total", "passed", "failing",
                           framework_code=F("framework__code"))
    return list(rows[:limit]), total


def control_mappings(scope, *, limit):
    qs = ControlMapping.objects.select_related("source__framework", "target__framework")
    if scope.framework is not None:
        qs = qs.filter(Q(source__framework=scope.framework) | Q(target__framework=scope.framework))
    qs = qs.order_by("source__framework__code", "source__sort_order", "source__ref_id", "target__ref_id")
    return list(qs[:limit]), qs.count()


def audit_entries(scope, *, limit):
    qs = AuditLog.objects.filter(timestamp__gte=scope.start, timestamp__lt=scope.end)
    by_impact = dict(qs.values_list("impact_level").annotate(n=Count("id")).order_by())
    return list(qs.order_by("-timestamp", "-id")[:limit]), by_impact


def recent_reports(*, now, days=30, limit=5):
    """Reports created in the last `days` days: count, by status, and the newest few."""
    recent = Report.objects.filter(created_at__gte=now - datetime.timedelta(days=days))
    by_status = dict(recent.values_list("status").annotate(n=Count("id")).order_by())
    latest = list(recent.order_by("-created_at", "-id").values("id", "name", "status", "created_at")[:limit])
    return {"available": True, "days": days, "total": sum(by_status.values()), "by_status": by_status,
            "latest": latest}


def generation_metrics(*, since):
    """Completed reports since a time: count and mean/max generation time."""
    row = Report.objects.filter(status=ReportStatus.COMPLETED, created_at__gte=since,
                                generation_time_ms__isnull=False) \
        .aggregate(n=Count("id"), avg=Avg("generation_time_ms"), longest=Max("generation_time_ms"))
    return {
        "available": True,
        "completed": row["n"],
        "avg_generation_ms": round(row["avg"], 1) if row["avg"] is not None else None,
        "max_generation_ms": row["longest"],
    }
