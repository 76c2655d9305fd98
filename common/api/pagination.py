"""Pagination: strict page numbers for ordinary lists, keyset cursors for huge ones."""

import base64
import binascii
import json
from collections import OrderedDict

from django.db.models import Q
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..dates import parse_iso_datetime

MAX_PAGE_SIZE = 500


def requested_page_size(request, default):
    """?page_size= as an int in 1..500; anything else is a 400 rather than a silent cap."""
    raw = request.query_params.get("page_size")
    if raw is None or raw == "":
        return default
    try:
        size = int(raw)
    except ValueError:
        raise ValidationError({"page_size": ["Must be an integer."]}) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Must be between 1 and {MAX_PAGE_SIZE}."]})
    return size


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return requested_page_size(request, self.page_size)


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination on (timestamp, id), newest first.

    DRF's CursorPagination keys on one field and falls back to offsets among equal
    values, which breaks when thousands of rows share a timestamp (bulk ingest). A
    (timestamp, id) key is unique, so every page is one index range scan.
    """

    page_size = 50
    time_field = "created_at"
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_value = requested_page_size(request, self.page_size)
        self.base_url = request.build_absolute_uri()
        position, reverse = self._decode(request.query_params.get(self.cursor_query_param))
        field = self.time_field
        if position is None:
            qs = queryset.order_by(f"-{field}", "-id")
        elif reverse:
            at, pk = position
            # The redundant __gte bound gives PostgreSQL an index range to scan.
            qs = queryset.filter(Q(**{f"{field}__gte": at}), Q(**{f"{field}__gt": at}) | Q(**{field: at, "id__gt": pk}))
            qs = qs.order_by(field, "id")
        else:
            at, pk = position
            qs = queryset.filter(Q(**{f"{field}__lte": at}), Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk}))
            qs = qs.order_by(f"-{field}", "-id")
        rows = list(qs[: self.page_size_value + 1])
        has_more = len(rows) > self.page_size_value
        rows = rows[: self.page_size_value]
        if reverse:
            rows.reverse()
            self.has_next, self.has_previous = position is not None, has_more
        else:
            self.has_next, self.has_previous = has_more, position is not None
        self.page = rows
        return rows

    def _encode(self, row, reverse):
        payload = json.dumps({"t": getattr(row, self.time_field).isoformat(), "i": row.pk, "r": int(reverse)})
        cursor = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def _decode(self, raw):
        if not raw:
            return None, False
        try:
            padded = raw + "=" * (-len(raw) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            at = parse_iso_datetime(data["t"])
            pk = int(data["i"])
            reverse = bool(data.get("r"))
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, AttributeError):
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None
        if at is None:
            raise ValidationError({"cursor": ["Invalid cursor."]})
        return (at, pk), reverse

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        return self._encode(self.page[-1], reverse=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:  # walked past the end: go back to the start
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._encode(self.page[0], reverse=True)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict(
                [
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from next/previous.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Results per page (1–{MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
