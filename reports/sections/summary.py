"""executive_summary and score_trend sections."""

from compliance.charts import line_chart_svg
from compliance.choices import Severity

from .. import selectors
from ..choices import AccessLevel, SectionKind
from .base import SectionResult, days_since, register


def _change(now, before):
    if now is None or before is None:
        return None
    return round(now - before, 1)


@register(SectionKind.EXECUTIVE_SUMMARY, min_access_level=AccessLevel.PUBLIC)
def executive_summary(scope, params):
    figures = selectors.scope_figures(scope)
    before = selectors.score_as_of(scope, scope.start)
    change = _change(figures["compliance_score"], before)
    risks, by_severity = selectors.open_findings(scope, limit=int(params.get("top_risks", 5)))
    score = figures["compliance_score"]
    if score is None:
        intro = "No evaluations were counted in scope, so there is no compliance score yet."
    else:
        if change is None:
            trend = f"no score to compare with on {scope.start:%d %b %Y}"
        elif change == 0:
            trend = f"unchanged since {scope.start:%d %b %Y}"
        else:
            trend = f"{'up' if change > 0 else 'down'} {abs(change)} points since {scope.start:%d %b %Y}"
        intro = (
            f"The compliance score is {score}% ({trend}). "
            f"{figures['finding_count']} findings are open, "
            f"{by_severity[Severity.CRITICAL]} of them critical."
        )
    return SectionResult(
        intro=intro,
        figures=[
            ("Compliance score", "—" if score is None else f"{score}%"),
            ("Change since previous period", "—" if change is None else f"{change:+.1f}"),
            ("Active rules", figures["rule_count"]),
            ("Data sources evaluated", figures["data_source_count"]),
            ("Open findings", figures["finding_count"]),
            *[(f"{label} findings", by_severity[value]) for value, label in reversed(Severity.choices)],
        ],
        columns=[
            ("severity", "Severity"),
            ("rule", "Top risk"),
            ("data_source", "Data source"),
            ("age_days", "Age (days)"),
        ],
        rows=[
            {
                "severity": f["severity"],
                "rule": f["rule_name"],
                "data_source": f["data_source_name"],
                "age_days": days_since(f["opened_at"], scope.end),
            }
            for f in risks
        ],
        total_rows=len(risks),
        empty_message="No open findings: there are no top risks.",
    )


def pass_rate_chart(rows):
    """The dashboard's pass-rate chart (compliance.charts), drawn from the same trend rows."""
    return line_chart_svg(
        [row["date"][5:] for row in rows],
        [("Pass rate", [row["pass_rate"] if row["evaluations"] else None for row in rows])],
        title="Daily pass rate",
        unit="%",
        y_max=100,
        width=720,
        description=f"Daily pass rate over the last {len(rows)} days; gaps are days without evaluations.",
    )


@register(SectionKind.SCORE_TREND, min_access_level=AccessLevel.PUBLIC)
def score_trend(scope, params):
    rows = selectors.daily_trend(scope)
    active = [row for row in rows if row["evaluations"]]
    intro = (
        f"Daily pass rate over the last {len(rows)} days; {sum(r['evaluations'] for r in rows)} "
        f"evaluations on {len(active)} days."
    )
    return SectionResult(
        intro=intro,
        figures=[
            (
                "Average daily pass rate",
                f"{round(sum(r['pass_rate'] for r in active) / len(active), 1)}%" if active else "—",
            )
        ],
        columns=[
            ("date", "Date"),
            ("evaluations", "Evaluations"),
            ("passed", "Passed"),
            ("failed", "Failed"),
            ("pass_rate", "Pass rate %"),
            ("avg_score", "Average score"),
        ],
        rows=rows,
        total_rows=len(rows),
        chart_svg=pass_rate_chart(rows),
    )
