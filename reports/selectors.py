"""Read-side queries behind the report sections and the site's dashboard panels.

Scores come from compliance.evaluations.tally and trends from compliance.analytics (the
dashboard's definitions), over the report's scope: the same number on a page, in the API
and in a PDF.
"""

import datetime

from django.db.models import Avg, Count, F, Max, Q

from audit.models import AuditLog
from compliance.analytics import history, trends
from compliance.choices import EvaluationStatus, Severity
from compliance.evaluations import ScoreTally, tally
from compliance.freshness import decide, with_state_inputs
from compliance.models import Control, ControlMapping, Finding, LatestEvaluation

from .choices import ReportStatus
from .models import Report

SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


def scope_figures(scope):
    """The headline numbers recorded on the Report (same scope as the dashboard's score)."""
    figures = tally(**scope.score_kwargs())
    pairs = LatestEvaluation.objects.filter(**scope.pair_filter())
    return {
        "compliance_score": figures.score,
        "rule_count": scope.rules().count(),
        "data_source_count": pairs.values("data_source").distinct().count(),
        "finding_count": Finding.objects.active().filter(**scope.pair_filter()).count(),
        "evaluated_pairs": figures.passed + figures.failed + figures.error + figures.not_applicable,
        "passed": figures.passed,
        "failed": figures.failed,
        "error": figures.error,
    }


def score_as_of(scope, at):
    """The scope's score as it stood at `at` (the dashboard's point-in-time definition)."""
    return history.score_as_of(at, **scope.score_kwargs())["score"]


def daily_trend(scope):
    """Trend rows for the period, oldest first: compliance.analytics.trends over the scope."""
    days = min(scope.period_days, trends.MAX_DAYS)
    today = scope.end.date()
    if scope.rule_ids is None and scope.data_source_ids is None:
        return trends.trend(days=days, framework=scope.framework, today=today)
    rules = scope.rules() if scope.rule_ids is not None or scope.framework is not None else None
    return trends.trend(days=days, rules=rules, data_sources=scope.data_source_ids, today=today)


def open_findings(scope, *, limit):
    """Active findings in scope, worst severity and oldest first; and counts by severity.

    Rows are dicts, not model instances: a findings section lists up to 5,000 of them, and
    building (and audit-snapshotting) a Finding, a rule, a framework and a data source per
    row took seven times as long as the query itself.
    """
    qs = Finding.objects.active().filter(**scope.pair_filter())
    counts = dict(qs.values_list("severity").annotate(n=Count("id")).order_by())
    rows = list(
        qs.order_by(severity_rank(), "opened_at", "id").values(
            "severity",
            "title",
            "status",
            "opened_at",
            "occurrences",
            rule_name=F("rule__name"),
            framework_code=F("rule__framework__code"),
            data_source_name=F("data_source__name"),
        )[:limit]
    )
    return rows, {severity: counts.get(severity, 0) for severity in SEVERITY_ORDER}


def severity_rank(field="severity"):
    """An ORDER BY expression putting critical first."""
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *[When(**{field: sev}, then=Value(i)) for i, sev in enumerate(SEVERITY_ORDER)],
        default=Value(len(SEVERITY_ORDER)),
        output_field=IntegerField(),
    )


def rule_tallies(scope):
    """[(rule, ScoreTally)] for every rule in scope, tallied in one grouped query.

    Rules are dicts (pk, name, severity, framework_code), for the reason open_findings gives.
    """
    tallies = tally(rules=scope.rules(), data_sources=_ids(scope.data_source_ids), by="rule")
    rules = (
        scope.rules()
        .order_by("framework__code", "name")
        .values("pk", "name", "severity", framework_code=F("framework__code"))
    )
    return [(rule, tallies.get(rule["pk"], ScoreTally())) for rule in rules]


def data_source_tallies(scope):
    """[(data_source, ScoreTally, open findings)] for the data sources evaluated in scope."""
    tallies = tally(rules=scope.rules(), data_sources=_ids(scope.data_source_ids), by="data_source")
    open_counts = dict(
        Finding.objects.active()
        .filter(**scope.pair_filter())
        .values_list("data_source_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sources = scope.data_sources().filter(pk__in=list(tallies)).select_related("owner").order_by("name")
    return [(source, tallies[source.pk], open_counts.get(source.pk, 0)) for source in sources]


def _ids(values):
    return list(values) if values is not None else None


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
        passed=Count(
            "rules__latest_evaluations",
            distinct=True,
            filter=latest & Q(rules__latest_evaluations__status=EvaluationStatus.PASSED),
        ),
        failing=Count(
            "rules__latest_evaluations",
            distinct=True,
            filter=latest & Q(rules__latest_evaluations__status__in=[EvaluationStatus.FAILED, EvaluationStatus.ERROR]),
        ),
    ).order_by("framework__code", "sort_order", "ref_id")
    total = controls.count()
    rows = list(
        controls.values(
            "pk", "ref_id", "title", "rule_total", "passed", "failing", framework_code=F("framework__code")
        )[:limit]
    )
    # The control's own derived state (compliance/freshness.py), so stale shows apart from failing.
    listed = with_state_inputs(Control.objects.filter(pk__in=[row["pk"] for row in rows]))
    states = {control.pk: decide(control).state for control in listed}
    for row in rows:
        row["state"] = states.get(row["pk"], "")
    return rows, total


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


def recent_reports(*, now, user, days=30, limit=5):
    """Reports `user` may read created in the last `days` days: count, by status, the newest few."""
    recent = Report.objects.visible_to(user).filter(created_at__gte=now - datetime.timedelta(days=days))
    by_status = dict(recent.values_list("status").annotate(n=Count("id")).order_by())
    latest = list(recent.order_by("-created_at", "-id").values("id", "name", "status", "created_at")[:limit])
    return {"available": True, "days": days, "total": sum(by_status.values()), "by_status": by_status, "latest": latest}


def generation_metrics(*, since, user):
    """Completed reports `user` may read since a time: count and mean/max generation time."""
    row = (
        Report.objects.visible_to(user)
        .filter(status=ReportStatus.COMPLETED, created_at__gte=since, generation_time_ms__isnull=False)
        .aggregate(n=Count("id"), avg=Avg("generation_time_ms"), longest=Max("generation_time_ms"))
    )
    return {
        "available": True,
        "completed": row["n"],
        "avg_generation_ms": round(row["avg"], 1) if row["avg"] is not None else None,
        "max_generation_ms": row["longest"],
    }
