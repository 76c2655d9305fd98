"""Base FilterSets for every app: invalid values are a 400, never silently ignored.

Each FilterSet either filters a model field or names it in `unfiltered_fields`; a test
fails when a field is neither.
"""

import copy
from datetime import UTC

import django_filters as filters
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

_BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """true/false/1/0 only: django-filter's default quietly ignores ?is_active=perhaps."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(value, value) for value in _BOOLEAN_VALUES])
        kwargs.setdefault("coerce", lambda value: _BOOLEAN_VALUES[value])
        super().__init__(*args, **kwargs)


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets up to ±23:59; PostgreSQL refuses beyond ±15:59 (a 500).
    The instant is the same in UTC, so compare in UTC."""

    def filter(self, qs, value):
        return super().filter(qs, value.astimezone(UTC) if value else value)


class StrictFilterSet(filters.FilterSet):
    """Base for every FilterSet in the project: invalid values are a 400, never ignored."""

    FILTER_DEFAULTS = {
        **copy.deepcopy(filters.filterset.FILTER_FOR_DBFIELD_DEFAULTS),
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateTimeField: {"filter_class": UTCDateTimeFilter},
    }
    unfiltered_fields = ()


class BaseFilterSet(StrictFilterSet):
    created_after = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCDateTimeFilter(field_name="created_at", lookup_expr="lt")
