"""Engagement enumerations, values as in docs/api.md."""

from django.db import models


class EngagementStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    FIELDWORK = "fieldwork", "Fieldwork"
    REPORTING = "reporting", "Reporting"
    CLOSED = "closed", "Closed"


class PopulationKind(models.TextChoices):
    EVALUATIONS = "evaluations", "Evaluations of the control's rules"
    AUDIT_ENTRIES = "audit_entries", "Audit entries (change and access controls)"
    WORKFLOW_RUNS = "workflow_runs", "Workflow runs started in the period (change controls)"


class Frequency(models.TextChoices):
    ANNUAL = "annual", "Annual"
    QUARTERLY = "quarterly", "Quarterly"
    MONTHLY = "monthly", "Monthly"
    WEEKLY = "weekly", "Weekly"
    DAILY = "daily", "Daily"
    MULTIPLE_DAILY = "multiple_daily", "Multiple times a day"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class SignOffResult(models.TextChoices):
    EFFECTIVE = "effective", "Effective"
    EXCEPTION = "exception", "Exception"
    NOT_TESTED = "not_tested", "Not tested"
