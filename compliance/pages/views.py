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

from common.replica import replica_reads

from .. import analytics
from ..api.analytics_views import READ_PERMISSIONS
from ..charts import line_chart_svg
from ..choices import FindingStatus, Severity
from ..filtersets import FindingFilterSet
from ..models import ComplianceRule, Finding, Framework

TREND_DAYS = 30
FINDINGS_PER_PAGE = 50
FINDING_ROW_FIELDS = (
    "pk",
    "title",
    "rule_id",
    "rule_framework_code",
    "source_name",
    "severity",
    "status",
    "opened_at",
    "recurrence_count",
)
# Drawing widths matched to the card a chart fills, so its text renders at about 12 px.
CHART_WIDTH, WIDE_CHART_WIDTH = 560, 1040


def dashboard_view(view):
    """Login required (redirect to the dashboard sign-in), then the analytics read permissions (403)."""

    @login_required(login_url="dashboard:login")
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perms(READ_PERMISSIONS):
            raise PermissionDenied
        with replica_reads():  # dashboards may lag a few seconds: the replica when there is one
            return view(request, *args, **kwargs)

    return wrapped


def can_read_audit(user):
    """The audit trail is for roles granted it (not Viewer), on pages as in the API."""
    return user.has_perm("audit.view_auditlog")


def pass_rate_chart(rows, title, width=CHART_WIDTH):
    labels = [row["date"][5:] for row in rows]
    values = [row["pass_rate"] if row["evaluations"] else None for row in rows]
    return line_chart_svg(
        labels,
        [("Pass rate", values)],
        title=title,
        unit="%",
        y_max=100,
        width=width,
        description=f"Daily pass rate over the last {len(rows)} days; gaps are days without evaluations.",
    )


@dashboard_view
def framework_detail(request, code):
    framework = get_object_or_404(Framework, code=code)
    rows = analytics.trend(days=TREND_DAYS, framework=framework)
    return render(
        request,
        "dashboard/framework.html",
        {
            "framework": framework,
            "detail": analytics.framework_controls(framework),
            "trend_chart": pass_rate_chart(
                rows, f"{framework.name}: daily pass rate, last {TREND_DAYS} days", WIDE_CHART_WIDTH
            ),
            "open_findings": analytics.open_findings_by_severity(framework=framework),
        },
    )


@dashboard_view
def rule_detail(request, pk):
    rule = get_object_or_404(ComplianceRule.objects.select_related("framework"), pk=pk)
    detail = analytics.rule_detail(rule, days=TREND_DAYS, history=20 if can_read_audit(request.user) else 0)
    return render(
        request,
        "dashboard/rule.html",
        {
            "rule": rule,
            "detail": detail,
            "trend_chart": pass_rate_chart(
                detail["trend"], f"{rule.name}: daily pass rate, last {TREND_DAYS} days", WIDE_CHART_WIDTH
            ),
        },
    )


@dashboard_view
def findings(request):
    # Rows as plain values, framework code and source name read in the page query: a page
    # of model rows (each snapshotted for the audit trail) cost more than the query itself,
    # and templates resolve a dict key faster than a model attribute.
    queryset = (
        Finding.objects.with_framework_code()
        .annotate(source_name=F("data_source__name"))
        .order_by("-opened_at", "-id")
        .values(*FINDING_ROW_FIELDS)
    )
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
    return render(
        request,
        "dashboard/findings.html",
        {
            "filterset": filterset,
            "status_choices": FindingStatus.choices,
            "severity_choices": Severity.choices,
            "frameworks": Framework.objects.filter(is_active=True).only("code", "name"),
            "selected": {
                "status": request.GET.getlist("status"),
                "severity": request.GET.getlist("severity"),
                "framework": request.GET.get("framework", ""),
                "opened_after": request.GET.get("opened_after", ""),
                "opened_before": request.GET.get("opened_before", ""),
            },
            "page": page,
            "query": query.urlencode(),
            "valid": valid,
        },
        status=200 if valid else 400,
    )
