"""Server-rendered dashboard pages: parse, call the analytics service, render.

Every figure comes from compliance.analytics, the same functions behind
/api/v1/analytics/*, so a page and the API always show the same number.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch

from .. import analytics
from ..api.analytics_views import READ_PERMISSIONS
from ..choices import FindingStatus, Severity
from ..charts import bar_chart_svg, line_chart_svg
from ..filtersets import FindingFilterSet
from ..models import ComplianceRule, Finding, Framework
from ..scoring import combine_tallies
from ..templatetags.dashboard_links import link

TREND_DAYS = 30
FINDINGS_PER_PAGE = 50
FINDING_ROW_FIELDS = ("pk", "title", "rule_id", "rule_framework_code", "source_name", "severity", "status",
                      "opened_at", "recurrence_count")
# Drawing widths matched to the card a chart fills, so its text renders at about 12 px.
CHART_WIDTH, WIDE_CHART_WIDTH = 560, 1040


def dashboard_view(view):
    """Login required (redirect to the dashboard sign-in), then the analytics read permissions (403)."""

    @login_required(login_url="dashboard:login")
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perms(READ_PERMISSIONS):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def can_read_audit(user):
    """The audit trail is for roles granted it (not Viewer), on pages as in the API."""
    return user.has_perm("audit.view_auditlog")


def _pass_rate_chart(rows, title, width=CHART_WIDTH):
    labels = [row["date"][5:] for row in rows]
    values = [row["pass_rate"] if row["evaluations"] else None for row in rows]
    return line_chart_svg(labels, [("Pass rate", values)], title=title, unit="%", y_max=100, width=width,
                          description=f"Daily pass rate over the last {len(rows)} days; gaps are days without evaluations.")


def _window_rate(rows):
    passed = sum(row["passed"] for row in rows)
    counted = sum(row["passed"] + row["failed"] for row in rows)
    return round(100 * passed / counted, 1) if counted else None


def admin_url(model_label, pk):
    """The admin change page of an object, or None when that model has no admin (yet)."""
    try:
        return link(f"admin:{model_label.replace('.', '_')}_change", pk)
    except NoReverseMatch:
        return None


@dashboard_view
def overview(request):
    # One read of the per-framework tallies serves the stats, the distribution and the explanation.
    tallies = analytics.framework_tallies()
    stats = analytics.dashboard_stats(tallies=tallies)
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
        "trend_chart": _pass_rate_chart(rows, f"Daily pass rate, last {TREND_DAYS} days"),
        "distribution_chart": bar_chart_svg(
            [row["framework"] for row in distribution],
            [("Score", [row["score"] for row in distribution])],
            title="Score per framework", unit="", y_max=100, width=CHART_WIDTH,
            description="Compliance score of each active framework; a missing bar means no counted evaluation.",
        ),
        "explanation": analytics.score_explanation(limit=5, tally=combine_tallies(tallies.values())),
        "audit": analytics.recent_audit_activity(limit=10) if can_read_audit(request.user) else None,
    }
    return render(request, "dashboard/overview.html", context)


@dashboard_view
def framework_detail(request, code):
    framework = get_object_or_404(Framework, code=code)
    rows = analytics.trend(days=TREND_DAYS, framework=framework)
    return render(request, "dashboard/framework.html", {
        "framework": framework,
        "detail": analytics.framework_controls(framework),
        "trend_chart": _pass_rate_chart(rows, f"{framework.name}: daily pass rate, last {TREND_DAYS} days",
                                       WIDE_CHART_WIDTH),
        "open_findings": analytics.open_findings_by_severity(framework=framework),
    })


@dashboard_view
def rule_detail(request, pk):
    rule = get_object_or_404(ComplianceRule.objects.select_related("framework"), pk=pk)
    detail = analytics.rule_detail(rule, days=TREND_DAYS, history=20 if can_read_audit(request.user) else 0)
    return render(request, "dashboard/rule.html", {
        "rule": rule,
        "detail": detail,
        "trend_chart": _pass_rate_chart(detail["trend"], f"{rule.name}: daily pass rate, last {TREND_DAYS} days",
                                       WIDE_CHART_WIDTH),
    })


@dashboard_view
def findings(request):
    # Rows as plain values, framework code and source name read in the page query: a page
    # of model rows (each snapshotted for the audit trail) cost more than the query itself,
    # and templates resolve a dict key faster than a model attribute.
    queryset = Finding.objects.with_framework_code().annotate(source_name=F("data_source__name")).order_by(
        "-opened_at", "-id").values(*FINDING_ROW_FIELDS)
    # Same FilterSet as /api/v1/findings/: same parameters, same meaning, same 400s.
    filterset = FindingFilterSet(request.GET, queryset=queryset)
    valid = filterset.is_valid()
    results = filterset.qs if valid else queryset.none()
    page = Paginator(results, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    severities, statuses = dict(Severity.choices), dict(FindingStatus.choices)
    for row in page.object_list:
        row["severity_label"], row["status_label"] = severities[row["severity"]], statuses[row["status"]]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dashboard/findings.html", {
        "filterset": filterset,
        "status_choices": FindingStatus.choices,
        "severity_choices": Severity.choices,
        "frameworks": Framework.objects.filter(is_active=True).only("code", "name"),
        "selected": {"status": request.GET.getlist("status"), "severity": request.GET.getlist("severity"),
                     "framework": request.GET.get("framework", ""),
                     "opened_after": request.GET.get("opened_after", ""),
                     "opened_before": request.GET.get("opened_before", "")},
        "page": page,
        "query": query.urlencode(),
        "valid": valid,
    }, status=200 if valid else 400)
