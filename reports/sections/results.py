"""findings, rule_results and data_source_summary sections."""

from .. import selectors
from ..choices import AccessLevel, SectionKind
from .base import SectionResult, days_since, register, row_limit


@register(SectionKind.FINDINGS, min_access_level=AccessLevel.PUBLIC)
def findings(scope, params):
    rows, by_severity = selectors.open_findings(scope, limit=row_limit(params))
    total = sum(by_severity.values())
    ages = [days_since(f["opened_at"], scope.end) for f in rows]
    return SectionResult(
        intro=f"{total} open findings, worst first.",
        figures=[
            *[(f"{severity.title()}", count) for severity, count in by_severity.items()],
            ("Oldest (days)", max(ages) if ages else "—"),
        ],
        columns=[
            ("severity", "Severity"),
            ("title", "Finding"),
            ("framework", "Framework"),
            ("data_source", "Data source"),
            ("status", "Status"),
            ("age_days", "Age (days)"),
            ("occurrences", "Failures seen"),
        ],
        rows=[
            {
                "severity": f["severity"],
                "title": f["title"],
                "framework": f["framework_code"],
                "data_source": f["data_source_name"],
                "status": f["status"],
                "age_days": age,
                "occurrences": f["occurrences"],
            }
            for f, age in zip(rows, ages, strict=True)
        ],
        total_rows=total,
        empty_message="No open findings.",
    )


@register(SectionKind.RULE_RESULTS, min_access_level=AccessLevel.PUBLIC)
def rule_results(scope, params):
    include_passed = bool(params.get("include_passed", False))
    results = selectors.rule_tallies(scope)
    listed = [
        (rule, tally)
        for rule, tally in results
        if include_passed or tally.failed or tally.error or not (tally.passed or tally.not_applicable)
    ]
    limit = row_limit(params)
    rows = [
        {
            "rule": rule["name"],
            "framework": rule["framework_code"],
            "severity": rule["severity"],
            "passed": tally.passed,
            "failed": tally.failed,
            "error": tally.error,
            "not_applicable": tally.not_applicable,
            "score": tally.score,
        }
        for rule, tally in listed[:limit]
    ]
    return SectionResult(
        intro=(
            "Every active rule in scope."
            if include_passed
            else "Rules failing, erroring or not yet evaluated (passing rules omitted)."
        ),
        figures=[
            ("Rules", len(results)),
            ("Failing", sum(1 for _, t in results if t.failed or t.error)),
            ("Not evaluated", sum(1 for _, t in results if not (t.passed or t.failed or t.error or t.not_applicable))),
        ],
        columns=[
            ("rule", "Rule"),
            ("framework", "Framework"),
            ("severity", "Severity"),
            ("passed", "Passed"),
            ("failed", "Failed"),
            ("error", "Error"),
            ("not_applicable", "N/A"),
            ("score", "Score"),
        ],
        rows=rows,
        total_rows=len(listed),
        empty_message="No rules to list.",
    )


@register(SectionKind.DATA_SOURCE_SUMMARY, min_access_level=AccessLevel.PUBLIC)
def data_source_summary(scope, params):
    results = selectors.data_source_tallies(scope)
    limit = row_limit(params)
    rows = [
        {
            "data_source": s.name,
            "type": s.source_type,
            "environment": s.environment,
            "criticality": s.criticality,
            "owner": s.owner.get_username() if s.owner else "",
            "passed": t.passed,
            "failed": t.failed + t.error,
            "open_findings": open_count,
            "score": t.score,
        }
        for s, t, open_count in results[:limit]
    ]
    return SectionResult(
        intro="Latest results per data source.",
        figures=[("Data sources", len(results)), ("With open findings", sum(1 for _, _, n in results if n))],
        columns=[
            ("data_source", "Data source"),
            ("type", "Type"),
            ("environment", "Environment"),
            ("criticality", "Criticality"),
            ("owner", "Owner"),
            ("passed", "Passed"),
            ("failed", "Failed/error"),
            ("open_findings", "Open findings"),
            ("score", "Score"),
        ],
        rows=rows,
        total_rows=len(results),
        empty_message="No data sources were evaluated in scope.",
    )
