"""Dashboard statistics and framework distribution: the figures behind the API, pages and PDFs."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from ..choices import ACTIVE_FINDING_STATUSES, Severity
from ..evaluations import ScoreTally, combine_tallies, tally
from ..freshness import state_counts
from ..models import ComplianceRule, Control, DataSource, Finding, Framework, LatestEvaluation
from .trends import evaluation_windows, evaluations_last_hours

# (label, lower bound in days inclusive, upper bound exclusive or None)
AGE_BUCKETS = (("0-7 days", 0, 8), ("8-30 days", 8, 31), ("31-90 days", 31, 91), ("over 90 days", 91, None))
SEVERITY_ORDER = [value for value, _ in reversed(Severity.choices)]  # critical first


def open_finding_counts(*, now=None, framework=None):
    """({severity: count}, [{"bucket", "count"}]) of open and in-progress findings, one query."""
    now = now or timezone.now()
    findings = Finding.objects.filter(status__in=ACTIVE_FINDING_STATUSES)
    if framework is not None:
        findings = findings.filter(rule__framework=framework)
    aggregates = {f"severity_{severity}": Count("id", filter=Q(severity=severity)) for severity in SEVERITY_ORDER}
    for index, (_, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=high))
        aggregates[f"bucket_{index}"] = Count("id", filter=condition)
    counts = findings.aggregate(**aggregates)
    by_severity = {severity: counts[f"severity_{severity}"] for severity in SEVERITY_ORDER}
    ages = [{"bucket": label, "count": counts[f"bucket_{index}"]} for index, (label, _, _) in enumerate(AGE_BUCKETS)]
    return by_severity, ages


def open_findings_by_severity(*, framework=None):
    """{severity: count} of open and in-progress findings, every severity present, critical first."""
    return open_finding_counts(framework=framework)[0]


def finding_age_buckets(*, now=None, framework=None):
    """Open findings by age since `opened_at`: [{"bucket", "count"}] from youngest to oldest."""
    return open_finding_counts(now=now, framework=framework)[1]


def _active_frameworks():
    return Framework.objects.filter(is_active=True).order_by("name").values_list("pk", "code", "name")


def _framework_rows(tallies):
    rows = []
    for pk, code, name in _active_frameworks():
        tally = tallies.get(pk, ScoreTally())
        rows.append(
            {
                "framework": code,
                "framework_id": pk,
                "name": name,
                "score": tally.score,
                "passed": tally.passed,
                "failed": tally.failed,
                "error": tally.error,
                "not_applicable": tally.not_applicable,
            }
        )
    return rows


def _catalogue_counts():
    """Active frameworks, testable controls, active rules and active data sources: four
    counts in one round trip (a query each was a fifth of the dashboard's queries)."""
    counted = {
        "frameworks": Framework.objects.filter(is_active=True),
        "controls": Control.objects.filter(is_group=False),
        "rules": ComplianceRule.objects.filter(is_active=True),
        "data_sources": DataSource.objects.filter(is_active=True),
    }
    selects, params = [], []
    for queryset in counted.values():
        sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        return dict(zip(counted, cursor.fetchone(), strict=True))


def compliance_stats(*, now=None, tallies=None):
    """The compliance part of the dashboard, from rollups and small tables (never raw evaluations).

    Keys: generated_at, totals, overall_score, overall (tally), frameworks (score per
    framework), open_findings_by_severity, finding_age, evaluations (last 24 h / 7 days /
    30 days). The site's dashboard (compliance_site.dashboard) adds the other apps' panels.
    `tallies` as for framework_distribution().
    """
    now = now or timezone.now()
    tallies = tally(by="framework") if tallies is None else tallies
    overall = combine_tallies(tallies.values())
    by_severity, ages = open_finding_counts(now=now)
    today = now.date()
    windows = evaluation_windows(today=today, days=(7, 30))
    return {
        "generated_at": now,
        "totals": {
            **_catalogue_counts(),
            "evaluations": windows["all"],
            "open_findings": sum(by_severity.values()),
        },
        "overall_score": overall.score,
        "overall": {
            "passed": overall.passed,
            "failed": overall.failed,
            "error": overall.error,
            "not_applicable": overall.not_applicable,
        },
        "frameworks": _framework_rows(tallies),
        "control_states": state_counts(Control.objects.filter(is_group=False), now=now),
        "open_findings_by_severity": by_severity,
        "finding_age": ages,
        "evaluations": {
            "last_24_hours": evaluations_last_hours(hours=24, now=now),
            "last_7_days": windows[7],
            "last_30_days": windows[30],
        },
    }


def framework_distribution(*, tallies=None):
    """Per active framework: active rules, testable controls, data sources evaluated, score.

    [{"framework", "framework_id", "name", "rules", "controls", "data_sources", "score"}] by name.
    `tallies`: tally(by="framework") when the caller has just read it (the dashboard page).
    """
    rules = dict(
        ComplianceRule.objects.filter(is_active=True).values_list("framework_id").annotate(n=Count("id")).order_by()
    )
    controls = dict(
        Control.objects.filter(is_group=False).values_list("framework_id").annotate(n=Count("id")).order_by()
    )
    sources = dict(
        LatestEvaluation.objects.filter(rule__is_active=True)
        .values_list("rule__framework_id")
        .annotate(n=Count("data_source_id", distinct=True))
        .order_by()
    )
    tallies = tally(by="framework") if tallies is None else tallies
    return [
        {
            "framework": code,
            "framework_id": pk,
            "name": name,
            "rules": rules.get(pk, 0),
            "controls": controls.get(pk, 0),
            "data_sources": sources.get(pk, 0),
            "score": tallies[pk].score if pk in tallies else None,
        }
        for pk, code, name in _active_frameworks()
    ]
