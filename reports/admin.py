"""Reports in the admin: visibility enforced, generate/cancel actions, permission-checked downloads."""

from django.contrib import admin, messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html

from common.admin import ServiceWritesAdmin, VisibleToAdminMixin
from common.exceptions import InvalidTransition

from . import scheduling, services
from .http import report_file_response
from .models import Report, ReportSchedule, ReportTemplate


@admin.register(ReportTemplate)
class ReportTemplateAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.TEMPLATE_WRITES
    list_display = ["name", "slug", "report_type", "framework", "default_format", "is_default", "is_builtin", "version"]
    list_filter = ["report_type", "is_builtin", "is_default", "default_format"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["framework"]
    list_select_related = ["framework"]
    readonly_fields = ["is_builtin", "version", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Report)
class ReportAdmin(VisibleToAdminMixin, ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.REPORT_WRITES
    list_display = [
        "name",
        "report_type",
        "status",
        "progress_display",
        "access_level",
        "file_format",
        "compliance_score",
        "page_count",
        "generated_at",
        "download_link",
    ]
    list_filter = ["status", "report_type", "access_level", "file_format", "framework"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["framework", "template", "rules", "data_sources", "shared_with"]
    list_select_related = ["framework"]
    date_hierarchy = "created_at"
    actions = ["generate_now", "cancel_generation"]
    readonly_fields = [
        "status",
        "progress_display",
        "download_link",
        "file_size",
        "file_hash",
        "page_count",
        "generated_by",
        "generated_at",
        "generation_time_ms",
        "compliance_score",
        "finding_count",
        "data_source_count",
        "rule_count",
        "error_message",
        "schedule",
        "created_by",
        "created_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "description",
                    "report_type",
                    "template",
                    "framework",
                    "file_format",
                    "access_level",
                    "tags",
                    "parameters",
                ]
            },
        ),
        ("Scope and sharing", {"fields": ["rules", "data_sources", "shared_with"]}),
        (
            "Result",
            {
                "fields": [
                    "status",
                    "progress_display",
                    "download_link",
                    "error_message",
                    "compliance_score",
                    "finding_count",
                    "data_source_count",
                    "rule_count",
                    "page_count",
                    "file_size",
                    "file_hash",
                    "generation_time_ms",
                    "generated_by",
                    "generated_at",
                    "schedule",
                    "created_by",
                    "created_at",
                ]
            },
        ),
    ]

    @admin.display(description="Progress")
    def progress_display(self, obj):
        return obj.progress_label or "—"

    @admin.display(description="File")
    def download_link(self, obj):
        if obj.status != "completed" or not obj.pk:
            return "—"
        url = reverse("admin:reports_report_download", args=[obj.pk])
        return format_html('<a href="{}">Download {}</a>', url, obj.get_file_format_display())

    def get_urls(self):
        return [
            path(
                "<int:report_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="reports_report_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, report_id):
        report = self.get_queryset(request).filter(pk=report_id).first()
        if report is None or not self.has_view_permission(request, report):
            raise Http404("No such report.")
        return report_file_response(report)

    @admin.action(description="Generate now", permissions=["change"])
    def generate_now(self, request, queryset):
        queued = 0
        for report in queryset:
            try:
                services.request_generation(report=report, user=request.user)
                queued += 1
            except InvalidTransition as exc:
                self.message_user(request, f"{report}: {exc}", messages.WARNING)
        if queued:
            self.message_user(request, f"Queued {queued} report(s) for generation.", messages.SUCCESS)

    @admin.action(description="Cancel generation", permissions=["change"])
    def cancel_generation(self, request, queryset):
        for report in queryset:
            try:
                services.cancel_report(report=report, user=request.user)
            except InvalidTransition as exc:
                self.message_user(request, f"{report}: {exc}", messages.WARNING)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = scheduling.SCHEDULE_WRITES
    list_display = [
        "name",
        "template",
        "cron",
        "timezone",
        "file_format",
        "access_level",
        "is_active",
        "next_run_at",
        "last_run_at",
    ]
    list_filter = ["is_active", "file_format", "access_level", "template__report_type"]
    search_fields = ["name", "template__name"]
    autocomplete_fields = ["template"]
    list_select_related = ["template"]
    readonly_fields = ["next_run_at", "last_run_at", "created_by", "created_at", "updated_at"]
