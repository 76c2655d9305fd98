"""One FilterSet per reports model (API and pages); unfiltered fields are named on purpose."""

import django_filters as filters

from common.filtersets import BaseFilterSet, UTCDateTimeFilter
from compliance.filtersets import framework_filter

from .choices import AccessLevel, FileFormat, ReportStatus, ReportType
from .models import Report, ReportSchedule, ReportTemplate


class ReportTemplateFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "description", "sections", "parameters", "version", "updated_at")
    report_type = filters.ChoiceFilter(choices=ReportType.choices)
    default_format = filters.ChoiceFilter(choices=FileFormat.choices)
    framework = framework_filter()
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = ReportTemplate
        fields = [
            "name",
            "slug",
            "report_type",
            "framework",
            "is_builtin",
            "is_default",
            "default_format",
            "created_at",
        ]


class ReportFilterSet(BaseFilterSet):
    unfiltered_fields = (
        "id",
        "description",
        "file_path",
        "file_size",
        "file_hash",
        "generation_time_ms",
        "page_count",
        "finding_count",
        "data_source_count",
        "rule_count",
        "parameters",
        "rules",
        "data_sources",
        "shared_with",
        "error_message",
        "task_id",
        "progress",
        "started_at",
        "distributed_at",
        "updated_at",
        "compliance_score",
        "reads_audit_log",
    )
    status = filters.MultipleChoiceFilter(choices=ReportStatus.choices)
    report_type = filters.MultipleChoiceFilter(choices=ReportType.choices)
    file_format = filters.ChoiceFilter(choices=FileFormat.choices)
    access_level = filters.MultipleChoiceFilter(choices=AccessLevel.choices)
    framework = framework_filter()
    name = filters.CharFilter(lookup_expr="icontains")
    tags = filters.CharFilter(method="filter_tag", label="Has this tag")
    generated_after = UTCDateTimeFilter(field_name="generated_at", lookup_expr="gte")
    generated_before = UTCDateTimeFilter(field_name="generated_at", lookup_expr="lt")
    min_score = filters.NumberFilter(field_name="compliance_score", lookup_expr="gte")

    class Meta:
        model = Report
        fields = [
            "name",
            "report_type",
            "status",
            "framework",
            "template",
            "schedule",
            "file_format",
            "access_level",
            "tags",
            "generated_by",
            "generated_at",
            "created_by",
            "created_at",
        ]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])


class ReportScheduleFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "cron", "parameters", "recipients", "attach_file", "last_run_at", "updated_at")
    file_format = filters.ChoiceFilter(choices=FileFormat.choices)
    access_level = filters.ChoiceFilter(choices=AccessLevel.choices)
    name = filters.CharFilter(lookup_expr="icontains")
    due_before = UTCDateTimeFilter(field_name="next_run_at", lookup_expr="lt")

    class Meta:
        model = ReportSchedule
        fields = [
            "name",
            "template",
            "timezone",
            "file_format",
            "access_level",
            "is_active",
            "next_run_at",
            "created_by",
            "created_at",
        ]
