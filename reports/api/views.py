"""Thin report API views: visibility via Report.objects.visible_to, work via services."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.permissions import RolePermission
from common.api.writes import ServiceWritesMixin
from compliance.api.evidence_serializers import EvidenceSerializer
from compliance.models import ComplianceRule, DataSource

from .. import scheduling, services
from ..evidence import file_report_as_evidence
from ..filtersets import ReportFilterSet, ReportScheduleFilterSet, ReportTemplateFilterSet
from ..http import report_file_response
from ..models import Report, ReportSchedule, ReportTemplate
from .serializers import (
    FileAsEvidenceSerializer,
    GenerateResponseSerializer,
    ReportScheduleSerializer,
    ReportSerializer,
    ReportTemplateSerializer,
)


class ReportPermission(RolePermission):
    """Reading reports needs only a sign-in: the access level decides what each user sees."""

    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated and request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().has_permission(request, view)


class ReportTemplateViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.TEMPLATE_WRITES
    queryset = ReportTemplate.objects.select_related("framework")
    serializer_class = ReportTemplateSerializer
    filterset_class = ReportTemplateFilterSet
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "report_type", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]


class ReportViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.REPORT_WRITES
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet
    permission_classes = [ReportPermission]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "generated_at", "compliance_score", "status", "report_type"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "generate": ["reports.change_report"],
        "cancel": ["reports.change_report"],
        "file_as_evidence": ["compliance.add_evidence"],
    }
    queryset = Report.objects.none()  # the real one is per user: see get_queryset

    def get_queryset(self):
        return (
            Report.objects.visible_to(self.request.user)
            .select_related("framework", "generated_by", "created_by")
            # Only ids are shown: fetch nothing else of the related rows.
            .prefetch_related(
                Prefetch("rules", queryset=ComplianceRule.objects.only("pk")),
                Prefetch("data_sources", queryset=DataSource.objects.only("pk")),
                Prefetch("shared_with", queryset=get_user_model().objects.only("pk")),
            )
        )

    @extend_schema(
        request=None,
        responses={202: GenerateResponseSerializer, 409: OpenApiResponse(description="Already generating.")},
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        report = self.get_object()
        task_id = services.request_generation(report=report, user=request.user)  # InvalidTransition: a 409
        return Response({"id": report.pk, "status": "generating", "task_id": task_id}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ReportSerializer, 409: OpenApiResponse(description="Not pending.")})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        report = services.cancel_report(report=self.get_object(), user=request.user)  # InvalidTransition: a 409
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(request=FileAsEvidenceSerializer, responses={201: EvidenceSerializer}, filters=False)
    @action(detail=True, methods=["post"], url_path="file-as-evidence", filterset_class=None)
    def file_as_evidence(self, request, pk=None):
        report = self.get_object()
        body = FileAsEvidenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evidence = file_report_as_evidence(report=report, actor=request.user, **body.validated_data)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The report file.")}, filters=False
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def download(self, request, pk=None):
        return report_file_response(self.get_object())


class ReportScheduleViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = scheduling.SCHEDULE_WRITES
    queryset = ReportSchedule.objects.select_related("template", "created_by")
    serializer_class = ReportScheduleSerializer
    filterset_class = ReportScheduleFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "next_run_at", "last_run_at", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
