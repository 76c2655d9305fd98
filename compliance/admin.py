from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count

from common.admin import ReadOnlyAdminMixin, ServiceWritesAdmin, VisibleToAdminMixin

from . import services
from .freshness import state_of
from .models import (
    ComplianceRule,
    Control,
    ControlMapping,
    DataSource,
    Evidence,
    Finding,
    Framework,
    LatestEvaluation,
    RetentionHorizon,
    RuleEvaluation,
)
from .oscal.admin import OscalAdminMixin


@admin.register(Framework)
class FrameworkAdmin(OscalAdminMixin, ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.FRAMEWORK_WRITES
    list_display = ["code", "name", "version", "issuer", "control_count", "is_active", "is_builtin"]
    list_filter = ["is_active", "is_builtin"]
    search_fields = ["code", "name", "issuer"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(control_total=Count("controls"))

    @admin.display(description="Controls", ordering="control_total")
    def control_count(self, obj):
        return obj.control_total


@admin.register(Control)
class ControlAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.CONTROL_WRITES
    list_display = ["ref_id", "title", "framework", "owner", "implementation_status", "next_review_at", "is_group"]
    list_filter = ["framework", "is_group", "implementation_status"]
    search_fields = ["ref_id", "title", "description"]
    autocomplete_fields = ["framework", "parent", "owner"]
    list_select_related = ["framework", "parent", "owner"]
    readonly_fields = ["created_at", "updated_at", "state"]
    fieldsets = [
        (None, {"fields": ["framework", "parent", "ref_id", "title", "description", "is_group", "sort_order"]}),
        ("Parameters", {"fields": ["parameters"], "classes": ["collapse"]}),
        (
            "Ownership and freshness",
            {
                "fields": [
                    "owner",
                    "owner_team",
                    "implementation_status",
                    "not_applicable_justification",
                    "review_cadence_days",
                    "next_review_at",
                    "test_cadence_hours",
                    "state",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="State (derived)")
    def state(self, control):
        if control.pk is None:
            return "-"
        verdict = state_of(control)
        return f"{verdict.state}: {verdict.reason}"


@admin.register(Evidence)
class EvidenceAdmin(VisibleToAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evidence is immutable: the admin shows it; uploads and versions go through the API."""

    list_display = ["name", "version", "media_type", "size", "collected_at", "expires_at", "access_level"]
    list_filter = ["access_level", "media_type", "is_record"]
    search_fields = ["name", "description", "source", "sha256"]
    list_select_related = ["collected_by", "created_by"]
    date_hierarchy = "collected_at"


@admin.register(ControlMapping)
class ControlMappingAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.CONTROL_MAPPING_WRITES
    list_display = ["source", "relationship", "target"]
    list_filter = ["relationship", "source__framework", "target__framework"]
    search_fields = ["source__ref_id", "target__ref_id", "rationale"]
    autocomplete_fields = ["source", "target"]
    list_select_related = ["source", "target"]


class ComplianceRuleForm(forms.ModelForm):
    class Meta:
        model = ComplianceRule
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("framework") is not None and cleaned.get("controls") is not None:
            try:
                services.check_rule_controls(framework=cleaned["framework"], controls=cleaned["controls"])
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.RULE_WRITES
    form = ComplianceRuleForm
    list_display = ["name", "framework", "severity", "rule_type", "is_active", "updated_at"]
    list_filter = ["framework", "severity", "rule_type", "is_active"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["framework", "controls"]
    list_select_related = ["framework"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(DataSource)
class DataSourceAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.DATA_SOURCE_WRITES
    list_display = ["name", "source_type", "environment", "criticality", "owner", "is_active"]
    list_filter = ["source_type", "environment", "criticality", "is_active"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["owner"]
    list_select_related = ["owner"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(RuleEvaluation)
class RuleEvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["evaluated_at", "rule", "data_source", "status", "score", "source"]
    list_filter = ["status", "rule__framework", "source"]
    search_fields = ["rule__name", "data_source__name"]
    list_select_related = ["rule", "data_source"]
    date_hierarchy = "evaluated_at"
    show_full_result_count = False  # an exact COUNT over millions of rows is the slow part


@admin.register(LatestEvaluation)
class LatestEvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["rule", "data_source", "status", "evaluated_at"]
    list_filter = ["status", "rule__framework"]
    search_fields = ["rule__name", "data_source__name"]
    list_select_related = ["rule", "data_source"]


@admin.register(RetentionHorizon)
class RetentionHorizonAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Where retention has dropped raw evaluations up to (moved by the partition drops)."""

    list_display = ["dropped_before", "updated_at"]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["title", "severity", "status", "opened_at", "last_seen_at", "recurrence_count", "assigned_to"]
    list_filter = ["status", "severity", "rule__framework"]
    search_fields = ["title", "notes", "rule__name", "data_source__name"]
    autocomplete_fields = ["assigned_to"]
    list_select_related = ["assigned_to"]
    readonly_fields = [
        "rule",
        "data_source",
        "title",
        "severity",
        "first_seen_at",
        "last_seen_at",
        "opened_at",
        "resolved_at",
        "recurrence_count",
        "occurrences",
        "last_evaluation",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False  # findings come from evaluations

    def save_model(self, request, obj, form, change):
        services.update_finding(
            finding=obj, changes={name: form.cleaned_data[name] for name in form.changed_data}, actor=request.user
        )
