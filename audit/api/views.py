"""The audit log over the API: read-only, cursor-paginated, filterable, exportable."""

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from common.api.filtering import FilterBackend
from common.api.pagination import KeysetPagination

from .. import exports, selectors, transparency
from ..filtersets import AuditLogFilterSet
from ..services import record_event
from .serializers import AuditLogSerializer

EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_chunks),
    "json": ("application/json", exports.json_chunks),
}


class AuditLogPagination(KeysetPagination):
    time_field = "timestamp"


class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.audit_logs()
    serializer_class = AuditLogSerializer
    filterset_class = AuditLogFilterSet
    pagination_class = AuditLogPagination
    filter_backends = [FilterBackend]

    @extend_schema(
        parameters=[OpenApiParameter("file_format", enum=list(EXPORT_FORMATS), default="csv")],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): {"type": "object", "additionalProperties": True},
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Every entry matching the filters, oldest first, streamed; the export is itself recorded."""
        file_format = request.query_params.get("file_format", "csv")
        if file_format not in EXPORT_FORMATS:
            raise ValidationError({"file_format": [f"Choose one of: {', '.join(EXPORT_FORMATS)}."]})
        queryset = self.filter_queryset(self.get_queryset())
        filters = {key: value for key, value in request.query_params.items() if key != "file_format"}
        record_event(
            action="audit_export",
            changes={"format": [None, file_format], "filters": [None, filters]},
            message=f"Audit log exported as {file_format}.",
        )
        content_type, chunks = EXPORT_FORMATS[file_format]
        if file_format == "json":
            # A fresh signed checkpoint (this export's own entry included), and the entries
            # it covers: the export ends on a signed tree head.
            checkpoint = transparency.publish_checkpoint()
            if checkpoint is not None:
                queryset = queryset.filter(link__seq__lte=checkpoint.size)
            stream = chunks(queryset, transparency.export_envelope(queryset))
        else:
            stream = chunks(queryset)
        response = StreamingHttpResponse(stream, content_type=content_type)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.{file_format}"'
        return response
