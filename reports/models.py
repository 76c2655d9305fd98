"""Report templates, reports and schedules."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.timezone import now

from common.models import StatusTransitionsMixin

from .choices import STATUS_TRANSITIONS, AccessLevel, FileFormat, ReportStatus, ReportType
from .querysets import ReportQuerySet


class ReportTemplate(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    report_type = models.CharField(max_length=30, choices=ReportType.choices)
    framework = models.ForeignKey(
        "compliance.Framework",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_templates",
    )
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    is_builtin = models.BooleanField(default=False, help_text="Seeded; updated by seed_compliance.")
    is_default = models.BooleanField(default=False, help_text="The template used for its report type by default.")
    default_format = models.CharField(max_length=10, choices=FileFormat.choices, default=FileFormat.PDF)
    sections = models.JSONField(default=list, help_text="Ordered [{key, title, kind, params}].")
    parameters = models.JSONField(default=dict, blank=True, help_text="{name: {type, default, min, max}}.")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_type"],
                condition=models.Q(is_default=True),
                name="report_template_one_default_per_type",
            ),
        ]

    def __str__(self):
        return self.name


class Report(StatusTransitionsMixin, models.Model):
    ALLOWED_TRANSITIONS = STATUS_TRANSITIONS
    # Who may read it (common.access): the creator, explicit shares, and for confidential
    # reports the roles holding this permission.
    confidential_permission = "reports.view_confidential_report"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    report_type = models.CharField(max_length=30, choices=ReportType.choices)
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True)
    framework = models.ForeignKey(
        "compliance.Framework",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    template = models.ForeignKey(
        ReportTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    schedule = models.ForeignKey(
        "ReportSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    file_format = models.CharField(max_length=10, choices=FileFormat.choices, default=FileFormat.PDF)
    # Relative to settings.REPORTS_STORAGE_DIR; never exposed, never under a served directory.
    file_path = models.CharField(max_length=300, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the stored bytes.")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="generated_reports"
    )
    generated_at = models.DateTimeField(null=True, blank=True)
    generation_time_ms = models.PositiveIntegerField(null=True, blank=True)
    compliance_score = models.FloatField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    finding_count = models.PositiveIntegerField(null=True, blank=True)
    data_source_count = models.PositiveIntegerField(null=True, blank=True)
    rule_count = models.PositiveIntegerField(null=True, blank=True)
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices, default=AccessLevel.INTERNAL)
    reads_audit_log = models.BooleanField(
        default=False,
        editable=False,
        help_text="Holds audit log entries: only readers of the audit log may read it (reports/content.py).",
    )
    tags = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    rules = models.ManyToManyField("compliance.ComplianceRule", blank=True, related_name="+")
    data_sources = models.ManyToManyField("compliance.DataSource", blank=True, related_name="+")
    shared_with = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="shared_reports")
    error_message = models.TextField(blank=True)
    # The generation in flight: a task only acts while its id is the report's current one,
    # so a redelivered or superseded task does nothing.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    progress = models.JSONField(default=dict, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    distributed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=now, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_reports"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_confidential_report", "Can view confidential reports"),
        ]
        indexes = [models.Index(fields=["access_level", "status"], name="report_access_status")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:reports_report_change", args=[self.pk])

    @property
    def download_url(self):
        return reverse("report-download", args=[self.pk]) if self.status == ReportStatus.COMPLETED else None

    @property
    def progress_label(self):
        progress = self.progress or {}
        if self.status not in (ReportStatus.GENERATING, ReportStatus.SCHEDULED):
            return ""
        if not progress.get("total"):
            return progress.get("stage", "queued")
        return f"section {progress.get('section', 0)} of {progress['total']} ({progress.get('stage', '')})"


class ReportSchedule(models.Model):
    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="schedules")
    name = models.CharField(max_length=200)
    cron = models.CharField(max_length=120, help_text="Five-field cron expression, e.g. '0 6 * * 1'.")
    timezone = models.CharField(max_length=64, default="UTC")
    parameters = models.JSONField(default=dict, blank=True)
    file_format = models.CharField(max_length=10, choices=FileFormat.choices, default=FileFormat.PDF)
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses.")
    attach_file = models.BooleanField(default=False, help_text="Attach the file instead of sending a link.")
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices, default=AccessLevel.INTERNAL)
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
