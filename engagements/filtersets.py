"""Engagement FilterSets (strict: an unknown value is a 400)."""

import django_filters as filters

from common.filtersets import BaseFilterSet
from compliance.filtersets import framework_filter

from .choices import EngagementStatus
from .models import Engagement


class EngagementFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "controls", "period_start", "period_end", "created_by", "updated_at")
    framework = framework_filter()
    status = filters.ChoiceFilter(choices=EngagementStatus.choices)
    name = filters.CharFilter(lookup_expr="icontains")
    active_on = filters.DateFilter(method="filter_active_on")

    class Meta:
        model = Engagement
        fields = ["name", "framework", "status", "auditors", "created_at"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)
