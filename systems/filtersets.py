"""One FilterSet per model the systems API lists (see compliance/filtersets.py)."""

import django_filters as filters

from common.filtersets import BaseFilterSet
from compliance.filtersets import framework_filter

from .models import ComponentDefinition, System


class SystemFilterSet(BaseFilterSet):
    unfiltered_fields = (
        "id",
        "description",
        "authorization_boundary",
        "information_types",
        "responsible_parties",
        "data_source",
        "updated_at",
    )
    framework = framework_filter()
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = System
        fields = ["name", "short_name", "impact_level", "status", "framework", "created_at"]


class ComponentDefinitionFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "metadata_extra", "back_matter", "source_uuid", "updated_at")
    title = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = ComponentDefinition
        fields = ["title", "version", "created_at"]
