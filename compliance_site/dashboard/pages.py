"""The dashboard's overview page: compliance figures beside the other apps' panels."""

from django.shortcuts import render
from django.urls import NoReverseMatch

from audit.selectors import recent_entries
from compliance import analytics
from compliance.charts import bar_chart_svg
from compliance.evaluations import combine_tallies, tally
from compliance.pages.views import CHART_WIDTH, TREND_DAYS, can_read_audit, dashboard_view, pass_rate_chart
from compliance.templatetags.dashboard_links import link

from . import dashboard_stats


def admin_url(model_label, pk):
    """The admin change page of an object, or None when that model has no admin (yet)."""
    try:
        return link(f"admin:{model_label.replace('.', '_')}_change", pk)
    except NoReverseMatch:
        return None


def _window_rate(rows):
    passed = sum(row["passed"] for row in rows)
    counted = sum(row["passed"] + row["failed"] for row in rows)
    return round(100 * passed / counted, 1) if counted else None


@dashboard_view
def overview(request):
    # One read of the per-framework tallies serves the stats, the distribution and the explanation.
    tallies = tally(by="framework")
    stats = dashboard_stats(user=request.user, tallies=tallies)
    for report in stats["reports_last_30_days"]["latest"]:
        report["admin_url"] = admin_url("reports.report", report["id"])
    rows = analytics.trend(days=TREND_DAYS)
    distribution = analytics.framework_distribution(tallies=tallies)
    last_week, week_before = _window_rate(rows[-7:]), _window_rate(rows[-14:-7])
    context = {
        "stats": stats,
        "trend_rows": rows,
        "distribution": distribution,
        "pass_rate_7d": last_week,
        "pass_rate_change": round(last_week - week_before, 1) if None not in (last_week, week_before) else None,
        "trend_chart": pass_rate_chart(rows, f"Daily pass rate, last {TREND_DAYS} days"),
        "distribution_chart": bar_chart_svg(
            [row["framework"] for row in distribution],
            [("Score", [row["score"] for row in distribution])],
            title="Score per framework",
            unit="",
            y_max=100,
            width=CHART_WIDTH,
            description="Compliance score of each active framework; a missing bar means no counted evaluation.",
        ),
        "explanation": analytics.score_explanation(limit=5, tally=combine_tallies(tallies.values())),
        "audit": recent_entries(limit=10) if can_read_audit(request.user) else None,
    }
    return render(request, "dashboard/overview.html", context)
