"""Analytics endpoints: thin wrappers over compliance.analytics (the one source of figures)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.replica import replica_reads

from .. import analytics
from ..models import ComplianceRule, DataSource, Framework

READ_PERMISSIONS = ("compliance.view_compliancerule", "compliance.view_ruleevaluation", "compliance.view_finding")


class TrendRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    evaluations = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    pass_rate = serializers.FloatField()
    avg_score = serializers.FloatField()


class DaysQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=analytics.MIN_DAYS, max_value=analytics.MAX_DAYS, default=30)


class ScopeQuery(DaysQuery):
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all(), required=False)
    rule = serializers.PrimaryKeyRelatedField(queryset=ComplianceRule.objects.all(), required=False)
    data_source = serializers.PrimaryKeyRelatedField(queryset=DataSource.objects.all(), required=False)

    def validate(self, attrs):
        scopes = [name for name in ("framework", "rule", "data_source") if name in attrs]
        if len(scopes) > 1:
            raise serializers.ValidationError({"detail": f"Choose one scope, not {' and '.join(scopes)}."})
        return attrs


class HistoryQuery(serializers.Serializer):
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all(), required=False)


class ScoreAsOfQuery(HistoryQuery):
    date = serializers.DateField()


class RegressionsQuery(HistoryQuery):
    start = serializers.DateField()
    end = serializers.DateField()
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)

    def validate(self, attrs):
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        return attrs


class ExplanationQuery(HistoryQuery):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)


def parse_query(serializer_class, request):
    """Validated query parameters, or a 400 naming the bad ones."""
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise ValidationError(serializer.errors)
    return serializer.validated_data


def rule_trend(request, rule):
    """The trend rows of one rule for GET /rules/{id}/trends/?days=N."""
    return Response(analytics.trend(days=parse_query(DaysQuery, request)["days"], rule=rule))


class AnalyticsView(APIView):
    """Analytics read history that may lag a few seconds: from the replica when there is one."""

    required_permissions = READ_PERMISSIONS

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permissions read the primary
        self._replica_scope = replica_reads()
        self._replica_scope.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        scope = getattr(self, "_replica_scope", None)
        if scope is not None:
            self._replica_scope = None
            scope.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


DAYS = OpenApiParameter("days", int, description="1..730, default 30")
FRAMEWORK = OpenApiParameter("framework", str, description="framework code")


class TrendsView(AnalyticsView):
    @extend_schema(
        parameters=[DAYS, FRAMEWORK, OpenApiParameter("rule", int), OpenApiParameter("data_source", int)],
        responses=TrendRowSerializer(many=True),
    )
    def get(self, request):
        query = parse_query(ScopeQuery, request)
        return Response(analytics.trend(**query))


class FrameworkDistributionRowSerializer(serializers.Serializer):
    framework = serializers.CharField()
    framework_id = serializers.IntegerField()
    name = serializers.CharField()
    rules = serializers.IntegerField()
    controls = serializers.IntegerField()
    data_sources = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)


class FrameworkDistributionView(AnalyticsView):
    @extend_schema(responses=FrameworkDistributionRowSerializer(many=True))
    def get(self, request):
        return Response(analytics.framework_distribution())


class ScoreAsOfView(AnalyticsView):
    @extend_schema(parameters=[OpenApiParameter("date", str, required=True), FRAMEWORK], responses={200: dict})
    def get(self, request):
        query = parse_query(ScoreAsOfQuery, request)
        return Response(analytics.score_as_of(query["date"], framework=query.get("framework")))


class RegressionsView(AnalyticsView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, required=True),
            OpenApiParameter("end", str, required=True),
            FRAMEWORK,
            OpenApiParameter("limit", int),
        ],
        responses={200: dict},
    )
    def get(self, request):
        query = parse_query(RegressionsQuery, request)
        return Response(
            analytics.regressions(query["start"], query["end"], framework=query.get("framework"), limit=query["limit"])
        )


class ScoreExplanationView(AnalyticsView):
    @extend_schema(parameters=[FRAMEWORK, OpenApiParameter("limit", int)], responses={200: dict})
    def get(self, request):
        query = parse_query(ExplanationQuery, request)
        return Response(analytics.score_explanation(framework=query.get("framework"), limit=query["limit"]))
