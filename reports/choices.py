"""Enumerations of the reports app; values exactly as in docs/api.md."""

from django.db import models

from common import access


class ReportType(models.TextChoices):
    COMPLIANCE_STATUS = "compliance_status", "Compliance status"
    GAP_ANALYSIS = "gap_analysis", "Gap analysis"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
    AUDIT_TRAIL = "audit_trail", "Audit trail"
    EXECUTIVE_SUMMARY = "executive_summary", "Executive summary"
    DETAILED_FINDINGS = "detailed_findings", "Detailed findings"
    FRAMEWORK_MAPPING = "framework_mapping", "Framework mapping"
    TREND_ANALYSIS = "trend_analysis", "Trend analysis"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    GENERATING = "generating", "Generating"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


# States in which a generation task may still pick the report up (queued or running).
PENDING_STATUSES = (ReportStatus.SCHEDULED, ReportStatus.GENERATING)

# Allowed status changes (django-oscar style): anything else is a 409.
STATUS_TRANSITIONS = {
    ReportStatus.DRAFT: {ReportStatus.GENERATING, ReportStatus.SCHEDULED},
    ReportStatus.SCHEDULED: {ReportStatus.GENERATING, ReportStatus.CANCELLED, ReportStatus.FAILED},
    ReportStatus.GENERATING: {ReportStatus.COMPLETED, ReportStatus.FAILED, ReportStatus.CANCELLED},
    ReportStatus.COMPLETED: {ReportStatus.GENERATING},
    ReportStatus.FAILED: {ReportStatus.GENERATING},
    ReportStatus.CANCELLED: {ReportStatus.GENERATING},
}


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    HTML = "html", "HTML"
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


CONTENT_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.HTML: "text/html; charset=utf-8",
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.JSON: "application/json",
}


AccessLevel = access.AccessLevel  # the one definition, shared by every model with access levels


class SectionKind(models.TextChoices):
    EXECUTIVE_SUMMARY = "executive_summary", "Executive summary"
    SCORE_TREND = "score_trend", "Score trend"
    FRAMEWORK_COVERAGE = "framework_coverage", "Framework coverage"
    FINDINGS = "findings", "Open findings"
    RULE_RESULTS = "rule_results", "Rule results"
    DATA_SOURCE_SUMMARY = "data_source_summary", "Data source summary"
    AUDIT_TRAIL = "audit_trail", "Audit trail"
    FRAMEWORK_MAPPING = "framework_mapping", "Framework mapping"
    WORKFLOW_STATUS = "workflow_status", "Workflow status"


class ParameterType(models.TextChoices):
    INTEGER = "integer", "Integer"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Boolean"
    STRING = "string", "String"
    DATE = "date", "Date"
