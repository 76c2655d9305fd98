"""Enumerations of the workflows app; values are exactly those of docs/api.md where it lists them."""

from django.db import models


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    WAITING_APPROVAL = "waiting_approval", "Waiting for approval"


# A workflow in one of these states still has work ahead of it ("open").
OPEN_WORKFLOW_STATUSES = (
    WorkflowStatus.DRAFT,
    WorkflowStatus.ACTIVE,
    WorkflowStatus.PAUSED,
    WorkflowStatus.WAITING_APPROVAL,
)
# Open and started: what the dashboard counts as active work (an open draft has not begun).
IN_PROGRESS_WORKFLOW_STATUSES = tuple(status for status in OPEN_WORKFLOW_STATUSES if status != WorkflowStatus.DRAFT)
# States in which the current step can be acted on and the SLA clock runs.
RUNNING_WORKFLOW_STATUSES = (WorkflowStatus.ACTIVE, WorkflowStatus.WAITING_APPROVAL)


class WorkflowType(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    REMEDIATION = "remediation", "Remediation"
    APPROVAL = "approval", "Approval"
    REVIEW = "review", "Review"
    NOTIFICATION = "notification", "Notification"
    ESCALATION = "escalation", "Escalation"
    INCIDENT_RESPONSE = "incident_response", "Incident response"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class StepType(models.TextChoices):
    TASK = "task", "Task"
    APPROVAL = "approval", "Approval"
    NOTIFICATION = "notification", "Notification"
    GATE = "gate", "Gate"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


DONE_STEP_STATUSES = (StepStatus.COMPLETED, StepStatus.SKIPPED)


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TriggerEvent(models.TextChoices):
    EVALUATION_FAILED = "evaluation_failed", "Evaluation failed"
    FINDING_OPENED = "finding_opened", "Finding opened"
    FINDING_REOPENED = "finding_reopened", "Finding reopened"
    SCHEDULE = "schedule", "Schedule"


class NotificationVerb(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    APPROVAL_NEEDED = "approval_needed", "Approval needed"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"
    REJECTED = "rejected", "Rejected"
    COMPLETED = "completed", "Completed"
    NOTE = "note", "Note"
    STEP_NOTICE = "step_notice", "Notification step"
    REVIEW_DUE = "review_due", "Control review due"
    EVIDENCE_EXPIRING = "evidence_expiring", "Evidence expiring"
