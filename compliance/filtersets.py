"""One FilterSet per model, shared by the API and the dashboard list pages.

Each FilterSet either filters a model field or names it in `unfiltered_fields`; a test
fails when a field is neither.
"""

import django_filters as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.access import AccessLevel
from common.filtersets import BaseFilterSet, StrictBooleanFilter, StrictFilterSet, UTCDateTimeFilter

from .choices import (
    ControlState,
    EvaluationStatus,
    FindingStatus,
    ImplementationStatus,
    MappingRelationship,
    RuleType,
    Severity,
    SourceType,
)
from .models import ComplianceRule, Control, ControlMapping, DataSource, Evidence, Finding, Framework, RuleEvaluation


@extend_schema_field(OpenApiTypes.STR)
class FrameworkCodesFilter(filters.ModelMultipleChoiceFilter):
    """?frameworks=soc2&frameworks=gdpr: several frameworks by code (documented as strings)."""


def framework_filter(field_name="framework"):
    return filters.ModelChoiceFilter(field_name=field_name, to_field_name="code", queryset=Framework.objects.all())


class FrameworkFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "description", "updated_at")

    class Meta:
        model = Framework
        fields = ["code", "name", "version", "issuer", "is_active", "is_builtin", "workflow_access_level", "created_at"]


class ControlFilterSet(BaseFilterSet):
    unfiltered_fields = (
        "id",
        "description",
        "parameters",
        "updated_at",
        "sort_order",
        "not_applicable_justification",
        "review_cadence_days",
        "test_cadence_hours",
    )
    framework = framework_filter()
    ref_id = filters.CharFilter(lookup_expr="iexact")
    title = filters.CharFilter(lookup_expr="icontains")
    implementation_status = filters.ChoiceFilter(choices=ImplementationStatus.choices)
    review_due_before = UTCDateTimeFilter(field_name="next_review_at", lookup_expr="lt")
    state = filters.ChoiceFilter(choices=ControlState.choices, method="filter_state")

    class Meta:
        model = Control
        fields = ["framework", "parent", "ref_id", "title", "is_group", "owner", "owner_team", "created_at"]

    def filter_state(self, queryset, name, value):
        from .freshness import with_state

        return with_state(queryset).filter(state=value)


class EvidenceFilterSet(StrictFilterSet):
    unfiltered_fields = (
        "id",
        "description",
        "file",
        "size",
        "workflow_step_ids",
        "sync_log_id",
        "source",
        "valid_for_days",
        "tags",
        "shared_with",
        "version",
        "created_by",
        "collected_by",
        "rules",
        "findings",
        "covers_from",
        "covers_to",
        "expires_at",
        "controls",
    )
    name = filters.CharFilter(lookup_expr="icontains")
    control = filters.NumberFilter(field_name="controls", distinct=True)
    framework = filters.CharFilter(field_name="controls__framework__code", distinct=True)
    rule = filters.NumberFilter(field_name="rules", distinct=True)
    finding = filters.NumberFilter(field_name="findings", distinct=True)
    expired = StrictBooleanFilter(method="filter_expired")
    covers_on = filters.DateFilter(method="filter_covers_on")
    current = StrictBooleanFilter(field_name="replaced_by", lookup_expr="isnull")
    access_level = filters.ChoiceFilter(choices=AccessLevel.choices)
    collected_after = UTCDateTimeFilter(field_name="collected_at", lookup_expr="gte")
    collected_before = UTCDateTimeFilter(field_name="collected_at", lookup_expr="lt")
    integration = filters.NumberFilter(field_name="collected_by_integration_id")

    class Meta:
        model = Evidence
        fields = ["name", "sha256", "media_type", "is_record", "replaces", "collected_at", "created_at"]

    def filter_expired(self, queryset, name, value):
        return queryset.expired() if value else queryset.unexpired()

    def filter_covers_on(self, queryset, name, value):
        return queryset.covering(value)


class ControlMappingFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "rationale", "updated_at", "created_at")
    relationship = filters.ChoiceFilter(choices=MappingRelationship.choices)
    source_framework = framework_filter("source__framework")
    target_framework = framework_filter("target__framework")

    class Meta:
        model = ControlMapping
        fields = ["source", "target", "relationship"]


class ComplianceRuleFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "description", "remediation", "updated_at")
    framework = framework_filter()
    severity = filters.MultipleChoiceFilter(choices=Severity.choices)
    rule_type = filters.ChoiceFilter(choices=RuleType.choices)
    name = filters.CharFilter(lookup_expr="icontains")
    tags = filters.CharFilter(method="filter_tag", label="Has this tag")

    class Meta:
        model = ComplianceRule
        fields = ["name", "framework", "controls", "severity", "rule_type", "is_active", "tags", "created_at"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])


class DataSourceFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "description", "updated_at")
    source_type = filters.ChoiceFilter(choices=SourceType.choices)
    criticality = filters.ChoiceFilter(choices=Severity.choices)
    name = filters.CharFilter(lookup_expr="icontains")
    tags = filters.CharFilter(method="filter_tag", label="Has this tag")

    class Meta:
        model = DataSource
        fields = ["name", "source_type", "owner", "environment", "criticality", "tags", "is_active", "created_at"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])


class RuleEvaluationFilterSet(StrictFilterSet):
    unfiltered_fields = ("id", "details", "duration_ms", "score")
    status = filters.MultipleChoiceFilter(choices=EvaluationStatus.choices)
    framework = framework_filter("rule__framework")
    evaluated_after = UTCDateTimeFilter(field_name="evaluated_at", lookup_expr="gte")
    evaluated_before = UTCDateTimeFilter(field_name="evaluated_at", lookup_expr="lt")
    recorded_after = UTCDateTimeFilter(field_name="recorded_at", lookup_expr="gte")

    class Meta:
        model = RuleEvaluation
        fields = ["rule", "data_source", "status", "source", "evaluated_at", "recorded_at"]


class FindingFilterSet(BaseFilterSet):
    unfiltered_fields = (
        "id",
        "notes",
        "title",
        "updated_at",
        "occurrences",
        "last_evaluation",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
        "due_at",
    )
    status = filters.MultipleChoiceFilter(choices=FindingStatus.choices)
    severity = filters.MultipleChoiceFilter(choices=Severity.choices)
    framework = framework_filter("rule__framework")
    opened_after = UTCDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = UTCDateTimeFilter(field_name="opened_at", lookup_expr="lt")
    recurring = StrictBooleanFilter(method="filter_recurring", label="Has recurred")

    class Meta:
        model = Finding
        fields = [
            "rule",
            "data_source",
            "status",
            "severity",
            "assigned_to",
            "recurrence_count",
            "opened_at",
            "created_at",
        ]

    def filter_recurring(self, queryset, name, value):
        return queryset.filter(recurrence_count__gt=0) if value else queryset.filter(recurrence_count=0)
