"""Thin API views: parse, call a service or selector, respond."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.api.serializers import AuditLogSerializer
from audit.api.views import AuditLogPagination
from audit.selectors import object_history
from common.api.pagination import KeysetPagination
from common.api.writes import ServiceWritesMixin

from .. import services
from ..evaluations import record_evaluations, validate_evaluation_rows
from ..filtersets import (
    ComplianceRuleFilterSet,
    ControlFilterSet,
    ControlMappingFilterSet,
    DataSourceFilterSet,
    FindingFilterSet,
    FrameworkFilterSet,
    RuleEvaluationFilterSet,
)
from ..freshness import with_state_inputs
from ..models import ComplianceRule, Control, ControlMapping, DataSource, Finding, Framework, RuleEvaluation
from .analytics_views import TrendRowSerializer, rule_trend
from .serializers import (
    BulkEvaluationSerializer,
    BulkResultSerializer,
    ComplianceRuleSerializer,
    ControlMappingSerializer,
    ControlSerializer,
    DataSourceSerializer,
    FindingSerializer,
    FrameworkSerializer,
    RuleEvaluationSerializer,
    RuleEvaluationWriteSerializer,
)


class FrameworkViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.FRAMEWORK_WRITES
    queryset = Framework.objects.all()
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilterSet
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(responses=ControlSerializer(many=True), filters=False)
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        search_fields=["ref_id", "title"],
        ordering_fields=["ref_id", "sort_order"],
    )
    def controls(self, request, code=None):
        framework = self.get_object()
        queryset = self.filter_queryset(
            with_state_inputs(
                Control.objects.filter(framework=framework).select_related("framework").order_by("sort_order", "ref_id")
            )
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ControlSerializer(page, many=True).data)


class ControlViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.CONTROL_WRITES
    queryset = Control.objects.select_related("framework")
    serializer_class = ControlSerializer

    def get_queryset(self):
        return with_state_inputs(super().get_queryset())

    filterset_class = ControlFilterSet
    search_fields = ["ref_id", "title", "description"]
    ordering_fields = ["ref_id", "sort_order", "created_at"]


class ControlMappingViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.CONTROL_MAPPING_WRITES
    queryset = ControlMapping.objects.select_related("source", "target")
    serializer_class = ControlMappingSerializer
    filterset_class = ControlMappingFilterSet
    search_fields = ["source__ref_id", "target__ref_id", "rationale"]
    ordering_fields = ["created_at"]


class ComplianceRuleViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.RULE_WRITES
    # Control ids are read for a whole page at once by the serializer (api/representation.py).
    queryset = ComplianceRule.objects.select_related("framework")
    serializer_class = ComplianceRuleSerializer
    filterset_class = ComplianceRuleFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "severity", "created_at", "updated_at"]
    action_permissions = {"audit_history": ["compliance.view_compliancerule", "audit.view_auditlog"]}

    @extend_schema(responses=AuditLogSerializer(many=True), filters=False)
    @action(
        detail=True,
        methods=["get"],
        url_path="audit-history",
        filterset_class=None,
        pagination_class=AuditLogPagination,
    )
    def audit_history(self, request, pk=None):
        """Audit entries about this rule, newest first (cursor-paginated like /audit-logs/)."""
        rule = self.get_object()
        page = self.paginate_queryset(object_history(model=ComplianceRule, object_id=rule.pk))
        return self.get_paginated_response(AuditLogSerializer(page, many=True).data)

    @extend_schema(
        responses=TrendRowSerializer(many=True),
        filters=False,
        parameters=[OpenApiParameter("days", int, description="1..730, default 30")],
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def trends(self, request, pk=None):
        return rule_trend(request, self.get_object())


class DataSourceViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.DATA_SOURCE_WRITES
    queryset = DataSource.objects.all()
    serializer_class = DataSourceSerializer
    filterset_class = DataSourceFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["name", "criticality", "created_at", "updated_at"]


def _rows_from_body(data):
    rows = data.get("evaluations") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ValidationError({"evaluations": ['Expected a list of evaluations (or {"evaluations": [...]}).']})
    return rows


class EvaluationPagination(KeysetPagination):
    time_field = "evaluated_at"


class RuleEvaluationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RuleEvaluation.objects.all()
    serializer_class = RuleEvaluationSerializer
    filterset_class = RuleEvaluationFilterSet
    pagination_class = EvaluationPagination
    ordering_fields = []  # order is the cursor's (evaluated_at, id)
    search_fields = []
    action_permissions = {"bulk": ["compliance.add_ruleevaluation"]}

    def _ingest(self, raw_rows):
        """Validate and store rows; return (result, None) or (None, a 400 response naming bad rows)."""
        limit = settings.BULK_EVALUATION_MAX_ROWS
        if len(raw_rows) > limit:
            raise ValidationError({"evaluations": [f"At most {limit} evaluations per request; got {len(raw_rows)}."]})
        if not raw_rows:
            raise ValidationError({"evaluations": ["At least one evaluation is required."]})
        rows, errors = validate_evaluation_rows(raw_rows)
        if errors:
            # A Response, not ValidationError: DRF would turn the integer indexes into strings.
            return None, Response(
                {
                    "detail": f"{len(errors)} of {len(raw_rows)} evaluations are invalid; nothing was saved.",
                    "rows": errors[:1000],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return record_evaluations(rows=rows, source="api"), None

    @extend_schema(request=RuleEvaluationWriteSerializer, responses={201: RuleEvaluationSerializer})
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": "Expected a JSON object."})
        result, refusal = self._ingest([request.data])
        if refusal:
            return refusal
        return Response(RuleEvaluationSerializer(result.evaluations[0]).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BulkEvaluationSerializer,
        responses={
            201: BulkResultSerializer,
            400: OpenApiResponse(description="Bad rows, listed by index."),
            409: OpenApiResponse(description="A rule or data source was deleted while recording; nothing saved."),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        result, refusal = self._ingest(_rows_from_body(request.data))
        if refusal:
            return refusal
        return Response(result.counts(), status=status.HTTP_201_CREATED)


class FindingViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Finding.objects.with_framework_code()
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    search_fields = ["title", "notes"]
    ordering_fields = ["opened_at", "last_seen_at", "severity", "status", "created_at"]
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer):
        services.update_finding(finding=serializer.instance, changes=serializer.validated_data)
