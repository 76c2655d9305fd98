"""Thin API views over systems, their OSCAL documents and component definitions."""

import json

from django.db.models import Count, Prefetch
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.services import record_event
from common.api.writes import ServiceWritesMixin
from common.replica import replica_reads
from compliance.oscal.catalog_import import load_json
from compliance.oscal.common import OscalError

from .. import ksi, services
from ..filtersets import ComponentDefinitionFilterSet, SystemFilterSet
from ..models import Component, ComponentDefinition, KsiIndicator, System
from ..oscal import exports
from ..oscal.component_definition import export_component_definition, import_component_definition
from .serializers import ComponentDefinitionSerializer, KsiValidationSerializer, SystemSerializer

OSCAL_JSON = OpenApiResponse(description="An OSCAL JSON document, validated before it is served")


def oscal_response(document, filename):
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _document_from(request):
    """The OSCAL document of a request: a JSON body, or a multipart `file`."""
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            return load_json(upload.read())
    except OscalError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    if not isinstance(request.data, dict) or not request.data:
        raise ValidationError({"file": ["Send an OSCAL JSON document as the body or as a `file` upload."]})
    return request.data


class SystemViewSet(ServiceWritesMixin, viewsets.ModelViewSet):
    writes = services.SYSTEM_WRITES
    queryset = (
        System.objects.select_related("framework")
        .prefetch_related(Prefetch("components", queryset=Component.objects.order_by("sort_order", "title")))
        .annotate(requirements_total=Count("requirements", distinct=True))
    )
    serializer_class = SystemSerializer
    filterset_class = SystemFilterSet
    search_fields = ["name", "short_name", "description"]
    ordering_fields = ["name", "impact_level", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def _export(self, request, kind, build, **kwargs):
        system = self.get_object()  # the permission check reads the primary
        try:
            with replica_reads():  # an export may lag a few seconds: the replica when there is one
                # The whole document from one database: the row again, where the scope reads.
                current = System.objects.filter(pk=system.pk).first() or system
                document = build(system=current, **kwargs)
        except OscalError as exc:
            raise ValidationError({"detail": str(exc)}) from None
        record_event(action=f"oscal_{kind}_exported", instance=system, message=f"OSCAL {kind} downloaded (API).")
        return oscal_response(document, f"{system.pk}-{kind.replace('_', '-')}.json")

    @extend_schema(responses={200: OSCAL_JSON}, filters=False)
    @action(detail=True, methods=["get"], url_path="oscal/ssp", filterset_class=None)
    def oscal_ssp(self, request, pk=None):
        return self._export(request, "ssp", exports.export_ssp)

    @extend_schema(responses={200: OSCAL_JSON}, filters=False)
    @action(detail=True, methods=["get"], url_path="oscal/assessment-plan", filterset_class=None)
    def oscal_assessment_plan(self, request, pk=None):
        start, end = exports.period_from(request.query_params)
        return self._export(request, "assessment_plan", exports.export_assessment_plan, start=start, end=end)

    @extend_schema(responses={200: OSCAL_JSON}, filters=False)
    @action(detail=True, methods=["get"], url_path="oscal/assessment-results", filterset_class=None)
    def oscal_assessment_results(self, request, pk=None):
        start, end = exports.period_from(request.query_params)
        return self._export(request, "assessment_results", exports.export_system_results, start=start, end=end)

    @extend_schema(responses={200: OSCAL_JSON}, filters=False)
    @action(detail=True, methods=["get"], url_path="oscal/poam", filterset_class=None)
    def oscal_poam(self, request, pk=None):
        return self._export(request, "poam", exports.export_poam)

    @extend_schema(request=None, responses={200: SystemSerializer}, filters=False)
    @action(detail=True, methods=["post"], url_path="oscal/ssp/import", filterset_class=None)
    def import_ssp(self, request, pk=None):
        """Take components and implemented requirements from an SSP produced elsewhere."""
        system = self.get_object()
        if not request.user.has_perm("systems.change_system"):
            self.permission_denied(request)
        try:
            counts = exports.import_ssp(system=system, document=_document_from(request))
        except OscalError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        return Response(counts, status=status.HTTP_200_OK)

    @extend_schema(responses={200: OpenApiResponse(description="Indicator summary with its SHA-256")}, filters=False)
    @action(detail=True, methods=["get"], url_path="ksi-summary", filterset_class=None, pagination_class=None)
    def ksi_summary(self, request, pk=None):
        return Response(ksi.ksi_summary(system=self.get_object()))

    @extend_schema(request=KsiValidationSerializer, responses={201: KsiValidationSerializer}, filters=False)
    @action(detail=True, methods=["post"], url_path="ksi-validations", filterset_class=None)
    def ksi_validations(self, request, pk=None):
        """Record one validation run of an indicator (enables the system's indicators on first use)."""
        system = self.get_object()
        if not request.user.has_perm("systems.add_ksivalidation"):
            self.permission_denied(request)
        serializer = KsiValidationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            ksi.enable_ksi(system=system)
        except ValueError as exc:
            raise ValidationError({"indicator": [str(exc)]}) from None
        indicator = (
            KsiIndicator.objects.select_related("system", "control")
            .filter(system=system, control__ref_id=data["indicator"])
            .first()
        )
        if indicator is None:
            raise ValidationError({"indicator": [f"No indicator {data['indicator']!r} (e.g. KSI-CMT-LMC)."]})
        validation = ksi.record_validation(
            indicator=indicator,
            kind=data["kind"],
            passed=data["passed"],
            validated_at=data.get("validated_at"),
            notes=data.get("notes", ""),
        )
        return Response(KsiValidationSerializer(validation).data, status=status.HTTP_201_CREATED)


class ComponentDefinitionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    queryset = ComponentDefinition.objects.prefetch_related(
        Prefetch("components", queryset=Component.objects.prefetch_related("defined_implementations"))
    )
    serializer_class = ComponentDefinitionSerializer
    filterset_class = ComponentDefinitionFilterSet
    search_fields = ["title"]
    ordering_fields = ["title", "created_at"]

    @extend_schema(request=None, responses={201: ComponentDefinitionSerializer})
    def create(self, request):
        try:
            definition = import_component_definition(document=_document_from(request))
        except OscalError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        definition = self.get_queryset().get(pk=definition.pk)
        return Response(ComponentDefinitionSerializer(definition).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OSCAL_JSON}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def export(self, request, pk=None):
        definition = self.get_object()
        document = export_component_definition(definition=definition)
        record_event(action="oscal_component_definition_exported", instance=definition, message="Downloaded (API).")
        return oscal_response(document, f"component-definition-{definition.pk}.json")
