"""Evidence API: upload (multipart or JSON record), list with filters, versions, download.

No PUT or PATCH: evidence is immutable, a correction is POST /{id}/versions/.
"""

import base64

from django.db.models import Prefetch
from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.parsers import JSONParser, MultiPartParser

from ..evidence import services
from ..filtersets import EvidenceFilterSet
from ..models import ComplianceRule, Control, Evidence, Finding
from .evidence_serializers import EvidenceSerializer, EvidenceWriteSerializer

MULTIPART_SLACK = 1024 * 1024  # the form's other fields and boundaries, beyond the file itself


def _refuse_oversized(request):
    # Before the body is read: a 2 GB upload is refused without being spooled to disk.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    services.check_size(length - MULTIPART_SLACK)


def _given(request, write):
    # A form cannot say "not sent" for a list field (DRF reads an absent one as []): keep only
    # what the request named, so a new version takes over the rest from the one it replaces.
    return {key: value for key, value in write.validated_data.items() if key in request.data}


class EvidenceViewSet(
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet
    parser_classes = [MultiPartParser, JSONParser]
    search_fields = ["name", "description", "source"]
    ordering_fields = ["created_at", "collected_at", "expires_at", "name", "size"]
    action_permissions = {"versions": ["compliance.add_evidence"]}
    queryset = Evidence.objects.none()  # per user: get_queryset

    def get_queryset(self):
        return (
            Evidence.objects.visible_to(self.request.user)
            .select_related("collected_by", "replaced_by")
            .prefetch_related(
                Prefetch("controls", queryset=Control.objects.only("pk")),
                Prefetch("rules", queryset=ComplianceRule.objects.only("pk")),
                Prefetch("findings", queryset=Finding.objects.only("pk")),
                "shared_with",
            )
        )

    def _written(self, evidence, code):
        return Response(self.get_serializer(self.get_queryset().get(pk=evidence.pk)).data, status=code)

    @extend_schema(
        request={"multipart/form-data": EvidenceWriteSerializer, "application/json": EvidenceWriteSerializer},
        responses={
            201: EvidenceSerializer,
            413: OpenApiResponse(description="Over EVIDENCE_MAX_UPLOAD_BYTES."),
        },
    )
    def create(self, request, *args, **kwargs):
        _refuse_oversized(request)
        write = EvidenceWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = _given(request, write)
        evidence = services.add_evidence(
            data={k: v for k, v in data.items() if k not in ("file", "record", "media_type")},
            upload=data.get("file"),
            record=data.get("record"),
            media_type=data.get("media_type"),
            actor=request.user,
        )
        return self._written(evidence, status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": EvidenceWriteSerializer, "application/json": EvidenceWriteSerializer},
        responses={
            201: EvidenceSerializer,
            409: OpenApiResponse(description="Not the newest version."),
            413: OpenApiResponse(description="Over EVIDENCE_MAX_UPLOAD_BYTES."),
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def versions(self, request, pk=None):
        current = self.get_object()
        _refuse_oversized(request)
        write = EvidenceWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = _given(request, write)
        evidence = services.add_version(
            evidence=current,
            data={k: v for k, v in data.items() if k not in ("file", "record", "media_type")},
            upload=data.get("file"),
            record=data.get("record"),
            media_type=data.get("media_type"),
            actor=request.user,
        )
        return self._written(evidence, status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.delete_evidence(evidence=instance, actor=self.request.user)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The evidence bytes.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def download(self, request, pk=None):
        evidence = self.get_object()
        handle, filename = services.open_download(evidence=evidence)
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=evidence.media_type)
        response["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(evidence.sha256)).decode()
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response
