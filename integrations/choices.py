"""Enumerations; values are exactly those of docs/api.md."""

from django.db import models


class IntegrationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    ERROR = "error", "Error"
    PENDING = "pending", "Pending"
    TESTING = "testing", "Testing"
    CONFIGURED = "configured", "Configured"


# The dispatcher starts scheduled syncs only for these; `error` waits for a person
# (new credentials or a successful manual sync), `inactive` was switched off on purpose.
SCHEDULABLE_STATUSES = (IntegrationStatus.ACTIVE, IntegrationStatus.CONFIGURED)


class IntegrationType(models.TextChoices):
    GRC_TOOL = "grc_tool", "GRC tool"
    SECURITY_SCANNER = "security_scanner", "Security scanner"
    AUDIT_PLATFORM = "audit_platform", "Audit platform"
    RISK_MANAGEMENT = "risk_management", "Risk management"
    DOCUMENTATION = "documentation", "Documentation"
    TICKETING = "ticketing", "Ticketing"
    MONITORING = "monitoring", "Monitoring"
    SIEM = "siem", "SIEM"


class Health(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    HEALTHY = "healthy", "Healthy"
    DEGRADED = "degraded", "Degraded"
    UNHEALTHY = "unhealthy", "Unhealthy"


class LogStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    PARTIAL = "partial", "Partial (some results could not be mapped)"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (another sync was running)"


# A sync run counts as succeeded when partial too (some results unmapped); running and
# skipped runs are not finished syncs. Integration.success_rate counts the same way.
SUCCEEDED_SYNC_STATUSES = (LogStatus.SUCCESS, LogStatus.PARTIAL)
FINISHED_SYNC_STATUSES = (*SUCCEEDED_SYNC_STATUSES, LogStatus.FAILED)


class LogKind(models.TextChoices):
    SYNC = "sync", "Sync"
    TEST_CONNECTION = "test_connection", "Test connection"


class Capability(models.TextChoices):
    PULL_EVALUATIONS = "pull_evaluations", "Pull evaluations"
    PUSH_FINDINGS = "push_findings", "Push findings"
    PULL_TICKET_STATUS = "pull_ticket_status", "Pull ticket status"
    PUSH_AUDIT_EVENTS = "push_audit_events", "Push audit events"
    TEST_CONNECTION = "test_connection", "Test connection"
