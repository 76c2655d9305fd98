"""One FilterSet per model (common/filtersets.py explains the convention)."""

import django_filters as filters

from common.filtersets import BaseFilterSet, StrictBooleanFilter, StrictFilterSet, UTCDateTimeFilter
from compliance.filtersets import FrameworkCodesFilter
from compliance.models import Framework

from . import registry
from .choices import Health, IntegrationStatus, IntegrationType, LogKind, LogStatus
from .models import FindingTicket, Integration, IntegrationLog


class IntegrationFilterSet(BaseFilterSet):
    unfiltered_fields = (
        "id",
        "description",
        "status_message",
        "config",
        "credentials",
        "credentials_hint",
        "credentials_updated_at",
        "sync_state",
        "sync_lock_until",
        "sync_lock_owner",
        "total_syncs",
        "successful_syncs",
        "failed_syncs",
        "total_sync_duration_ms",
        "last_success_at",
        "updated_at",
        "created_by",
        "sync_frequency_minutes",
        "next_sync_at",
    )
    name = filters.CharFilter(lookup_expr="icontains")
    provider = filters.ChoiceFilter(choices=registry.choices)
    integration_type = filters.ChoiceFilter(choices=IntegrationType.choices)
    status = filters.MultipleChoiceFilter(choices=IntegrationStatus.choices)
    health = filters.MultipleChoiceFilter(choices=Health.choices)
    frameworks = FrameworkCodesFilter(
        field_name="frameworks__code", to_field_name="code", queryset=Framework.objects.all()
    )
    last_sync_after = UTCDateTimeFilter(field_name="last_sync_at", lookup_expr="gte")
    last_sync_before = UTCDateTimeFilter(field_name="last_sync_at", lookup_expr="lt")
    failing = StrictBooleanFilter(
        field_name="consecutive_failures", method="filter_failing", label="Has consecutive failures"
    )

    class Meta:
        model = Integration
        fields = ["name", "provider", "integration_type", "status", "health", "frameworks", "created_at"]

    def filter_failing(self, queryset, name, value):
        return queryset.filter(consecutive_failures__gt=0) if value else queryset.filter(consecutive_failures=0)


class IntegrationLogFilterSet(StrictFilterSet):
    unfiltered_fields = (
        "id",
        "integration",
        "task_id",
        "finished_at",
        "duration_ms",
        "fetched",
        "created",
        "updated",
        "skipped",
        "unmapped",
        "message",
        "error",
    )
    kind = filters.ChoiceFilter(choices=LogKind.choices)
    status = filters.MultipleChoiceFilter(choices=LogStatus.choices)
    trigger = filters.CharFilter()
    started_after = UTCDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UTCDateTimeFilter(field_name="started_at", lookup_expr="lt")
    has_failures = StrictBooleanFilter(field_name="failed", method="filter_failures", label="Some results failed")

    class Meta:
        model = IntegrationLog
        fields = ["kind", "status", "trigger", "started_at"]

    def filter_failures(self, queryset, name, value):
        return queryset.filter(failed__gt=0) if value else queryset.filter(failed=0)


class FindingTicketFilterSet(StrictFilterSet):
    unfiltered_fields = ("id", "remote_id", "remote_url", "created_at", "updated_at")
    remote_key = filters.CharFilter(lookup_expr="iexact")
    remote_status = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = FindingTicket
        fields = ["integration", "finding", "remote_key", "remote_status"]
