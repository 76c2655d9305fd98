"""Workflow templates, running workflows with their steps, approvals, history, triggers, notifications."""

from croniter import croniter
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.access import AccessLevel, AccessLevelQuerySet
from common.models import StatusTransitionsMixin, TimeStampedModel
from common.roles import COMPLIANCE_MANAGER
from compliance.choices import SEVERITY_WEIGHTS, Severity

from .choices import (
    IN_PROGRESS_WORKFLOW_STATUSES,
    OPEN_WORKFLOW_STATUSES,
    ApprovalDecision,
    NotificationVerb,
    Priority,
    StepStatus,
    StepType,
    TriggerEvent,
    WorkflowStatus,
    WorkflowType,
)
from .step_specs import total_estimated_hours


class WorkflowTemplate(TimeStampedModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    workflow_type = models.CharField(max_length=32, choices=WorkflowType.choices)
    framework = models.ForeignKey(
        "compliance.Framework", null=True, blank=True, on_delete=models.SET_NULL, related_name="workflow_templates"
    )
    description = models.TextField(blank=True)
    is_builtin = models.BooleanField(default=False, help_text="Seeded content; updated by seeding.")
    steps = models.JSONField(default=list, help_text="Ordered list of step objects (see docs/workflows.md).")
    estimated_hours = models.FloatField(default=0, editable=False, help_text="Sum of the steps' estimates.")
    escalation_role = models.CharField(max_length=150, default=COMPLIANCE_MANAGER)
    escalation_grace_hours = models.PositiveIntegerField(
        default=24, help_text="Hours after a step falls overdue before it is escalated."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.estimated_hours = total_estimated_hours(self.steps or [])
        if kwargs.get("update_fields") is not None and "steps" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "estimated_hours"}
        super().save(*args, **kwargs)


class WorkflowQuerySet(AccessLevelQuerySet):
    def open(self):
        """Workflows with work still ahead of them (OPEN_WORKFLOW_STATUSES: drafts included)."""
        return self.filter(status__in=OPEN_WORKFLOW_STATUSES)

    def in_progress(self):
        """Open workflows that have started (IN_PROGRESS_WORKFLOW_STATUSES): active work."""
        return self.filter(status__in=IN_PROGRESS_WORKFLOW_STATUSES)

    def overdue(self):
        """Workflows whose current step is past its deadline (the escalation beat marked it).

        The one meaning of "overdue" for workflows, in the API filter, the dashboard and the
        reports; a workflow's own due_at is only a target date that nothing escalates.
        """
        return self.filter(current_step__overdue_at__isnull=False)


class Workflow(StatusTransitionsMixin, TimeStampedModel):
    # Who may read it (common.access): the people it names (access_personal_q) and, by
    # level, the roles; confidential needs this permission.
    confidential_permission = "workflows.view_confidential_workflow"

    # The one table of allowed status changes (django-oscar's Order.pipeline).
    ALLOWED_TRANSITIONS = {
        WorkflowStatus.DRAFT: (
            WorkflowStatus.ACTIVE,
            WorkflowStatus.WAITING_APPROVAL,
            WorkflowStatus.COMPLETED,
            WorkflowStatus.FAILED,
            WorkflowStatus.CANCELLED,
        ),
        WorkflowStatus.ACTIVE: (
            WorkflowStatus.WAITING_APPROVAL,
            WorkflowStatus.PAUSED,
            WorkflowStatus.COMPLETED,
            WorkflowStatus.FAILED,
            WorkflowStatus.CANCELLED,
        ),
        WorkflowStatus.WAITING_APPROVAL: (
            WorkflowStatus.ACTIVE,
            WorkflowStatus.PAUSED,
            WorkflowStatus.COMPLETED,
            WorkflowStatus.FAILED,
            WorkflowStatus.CANCELLED,
        ),
        WorkflowStatus.PAUSED: (WorkflowStatus.ACTIVE, WorkflowStatus.WAITING_APPROVAL, WorkflowStatus.CANCELLED),
        WorkflowStatus.COMPLETED: (),
        WorkflowStatus.CANCELLED: (),
        WorkflowStatus.FAILED: (),
    }

    name = models.CharField(max_length=300)
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.PROTECT, related_name="workflows")
    workflow_type = models.CharField(max_length=32, choices=WorkflowType.choices)
    status = models.CharField(
        max_length=20, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT, editable=False
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="workflows"
    )
    assigned_team = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variables = models.JSONField(default=dict, blank=True)
    progress_percentage = models.FloatField(default=0, editable=False)
    current_step = models.ForeignKey(
        "WorkflowStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    due_at = models.DateTimeField(null=True, blank=True)
    rule = models.ForeignKey(
        "compliance.ComplianceRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="workflows"
    )
    finding = models.ForeignKey(
        "compliance.Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="workflows"
    )
    trigger = models.ForeignKey(
        "WorkflowTrigger", null=True, blank=True, on_delete=models.SET_NULL, related_name="workflows", editable=False
    )
    escalation_role = models.CharField(max_length=150, default=COMPLIANCE_MANAGER, editable=False)
    escalation_grace_hours = models.PositiveIntegerField(default=24, editable=False)
    notes = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="[{at, author, text}] appended by people and by compliance events.",
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices, default=AccessLevel.INTERNAL)
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="shared_workflows",
        help_text="People who may read a confidential or restricted workflow whatever their role.",
    )

    objects = WorkflowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Triggers deduplicate on this: a second start for the same finding and trigger
            # while one is still open fails at the database, whatever the race.
            models.UniqueConstraint(
                fields=["finding", "trigger"],
                condition=Q(status__in=OPEN_WORKFLOW_STATUSES),
                name="workflow_one_open_per_finding_trigger",
            ),
        ]
        indexes = [models.Index(fields=["status", "priority"], name="workflow_status_priority")]
        permissions = [("view_confidential_workflow", "Can view confidential workflows")]

    @classmethod
    def access_personal_q(cls, user):
        """The workflows `user` may read by name: theirs, shared with them, assigned to them or
        their team, or with a step assigned to them."""
        return (
            Q(created_by=user)
            | Q(shared_with=user)
            | Q(assigned_to=user)
            | Q(steps__assigned_to=user)
            | Q(assigned_team__in=user.groups.all())
        )

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:workflows_workflow_change", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_WORKFLOW_STATUSES

    def clean(self):
        from django.core.exceptions import ValidationError

        from .selectors import assignee_problem

        problem = self.template_id and assignee_problem(self.template, self.assigned_to)
        if problem:
            raise ValidationError({"assigned_to": problem})

    def transition_refusal(self, new_status):
        return (
            f"A {self.get_status_display().lower()} workflow cannot become {WorkflowStatus(new_status).label.lower()}."
        )

    def transition_to(self, new_status, *, actor=None, reason=""):
        """Change status if the table allows it, save, and write the history row. Caller holds the row lock."""
        self.check_transition(new_status)
        old_status = self.status
        now = timezone.now()
        self.status = new_status
        fields = ["status", "updated_at"]
        if self.started_at is None and new_status in (WorkflowStatus.ACTIVE, WorkflowStatus.WAITING_APPROVAL):
            self.started_at = now
            fields.append("started_at")
        if not self.is_open:
            self.completed_at = now
            fields.append("completed_at")
        self.save(update_fields=fields)
        return WorkflowTransition.objects.create(
            workflow=self,
            from_status=old_status,
            to_status=new_status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            reason=reason[:2000],
        )


class WorkflowStep(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    step_type = models.CharField(max_length=16, choices=StepType.choices)
    role = models.CharField(max_length=150, blank=True, help_text="Group whose members may act on the step.")
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=StepStatus.choices, default=StepStatus.PENDING)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="workflow_steps"
    )
    estimated_hours = models.FloatField(default=0)
    due_in_hours = models.FloatField(null=True, blank=True)
    condition = models.TextField(blank=True)
    on_reject = models.CharField(max_length=60, default="fail")
    quorum = models.PositiveSmallIntegerField(default=1)
    round = models.PositiveSmallIntegerField(default=0, help_text="Times the step has been started.")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workflow", "order"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "order"], name="workflow_step_unique_order"),
            models.UniqueConstraint(fields=["workflow", "key"], name="workflow_step_unique_key"),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="step_in_progress_due", condition=Q(status=StepStatus.IN_PROGRESS)),
        ]
        permissions = [("approve_step", "Can approve workflow steps from the admin")]

    def __str__(self):
        return f"{self.order}. {self.name}"


class StepApproval(models.Model):
    step = models.ForeignKey(WorkflowStep, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "round", "user"], name="step_approval_once_per_round"),
        ]

    def __str__(self):
        return f"{self.user} {self.decision} {self.step}"


class WorkflowTransition(models.Model):
    """History row for every status change (written only by Workflow.transition_to)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=WorkflowStatus.choices)
    to_status = models.CharField(max_length=20, choices=WorkflowStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class WorkflowTrigger(TimeStampedModel):
    name = models.CharField(max_length=200)
    event = models.CharField(max_length=32, choices=TriggerEvent.choices)
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.PROTECT, related_name="triggers")
    framework = models.ForeignKey(
        "compliance.Framework", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    min_severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    rule = models.ForeignKey(
        "compliance.ComplianceRule", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tags = models.JSONField(default=list, blank=True, help_text="Matches rules carrying any of these tags.")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    cron = models.CharField(max_length=100, blank=True, help_text="For schedule triggers: a 5-field cron.")
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["event", "is_active"], name="trigger_event_active")]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.event == TriggerEvent.SCHEDULE and not croniter.is_valid(self.cron or ""):
            raise ValidationError({"cron": "A schedule trigger needs a valid 5-field cron expression."})
        if self.event != TriggerEvent.SCHEDULE and self.cron:
            raise ValidationError({"cron": "Only schedule triggers take a cron expression."})

    def save(self, *args, **kwargs):
        # A new or re-timed schedule trigger first runs at the cron's next time from now.
        if self.event == TriggerEvent.SCHEDULE and self.cron and self.next_run_at is None:
            self.next_run_at = croniter(self.cron, timezone.now()).get_next(type(timezone.now()))
        super().save(*args, **kwargs)

    def matches_rule(self, *, rule_id, framework_id, severity, tags):
        """Whether a rule with these attributes passes this trigger's filters."""
        if self.rule_id and self.rule_id != rule_id:
            return False
        if self.framework_id and self.framework_id != framework_id:
            return False
        if self.min_severity and SEVERITY_WEIGHTS[severity] < SEVERITY_WEIGHTS[self.min_severity]:
            return False
        return not self.tags or bool(set(self.tags) & set(tags or ()))


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(max_length=20, choices=NotificationVerb.choices)
    workflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    step = models.ForeignKey(WorkflowStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A notice to a control's owner (a review or an evidence expiry due): a workflow can be opened from it.
    control = models.ForeignKey("compliance.Control", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # What the notice is about (e.g. "review:12:2027-01-01"): the same notice is sent once per recipient.
    notice_key = models.CharField(max_length=120, blank=True, editable=False)
    message = models.TextField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_recipient_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "notice_key"], condition=~Q(notice_key=""), name="notification_notice_once"
            )
        ]

    def __str__(self):
        return f"{self.get_verb_display()}: {self.target}"

    @property
    def target(self):
        if self.workflow_id is None:
            return ""
        name = self.workflow.name if "workflow" in self._state.fields_cache else f"workflow {self.workflow_id}"
        return f"{name} / {self.step.name}" if self.step_id and "step" in self._state.fields_cache else name
