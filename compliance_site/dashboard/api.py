"""The analytics endpoints whose figures span apps (the rest are compliance.api.analytics_views)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from compliance.api.analytics_views import DAYS, AnalyticsView, DaysQuery, parse_query

from . import dashboard_stats, performance_metrics


class DashboardView(AnalyticsView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(dashboard_stats(user=request.user))


class PerformanceView(AnalyticsView):
    @extend_schema(parameters=[DAYS], responses={200: dict})
    def get(self, request):
        return Response(performance_metrics(user=request.user, days=parse_query(DaysQuery, request)["days"]))
