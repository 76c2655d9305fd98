"""Engagement rows. Evaluations and audit entries are referred to by id (see __init__)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.models import StatusTransitionsMixin, TimeStampedModel

from .choices import EngagementStatus, Frequency, PopulationKind, RequestStatus, SignOffResult


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Everything for those who manage engagements; an auditor sees the ones they are on."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.has_perm("engagements.change_engagement"):
            return self.all()
        return self.filter(pk__in=self.model.objects.filter(auditors=user).values("pk"))


class Engagement(StatusTransitionsMixin, TimeStampedModel):
    name = models.CharField(max_length=200)
    framework = models.ForeignKey("compliance.Framework", on_delete=models.PROTECT, related_name="engagements")
    controls = models.ManyToManyField(
        "compliance.Control", blank=True, related_name="engagements", help_text="A subset; none means all testable."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    auditors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="engagements")
    status = models.CharField(max_length=12, choices=EngagementStatus.choices, default=EngagementStatus.PLANNING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EngagementQuerySet.as_manager()

    ALLOWED_TRANSITIONS = {
        EngagementStatus.PLANNING: (EngagementStatus.FIELDWORK,),
        EngagementStatus.FIELDWORK: (EngagementStatus.PLANNING, EngagementStatus.REPORTING),
        EngagementStatus.REPORTING: (EngagementStatus.FIELDWORK, EngagementStatus.CLOSED),
        EngagementStatus.CLOSED: (),
    }

    class Meta:
        ordering = ["-period_end", "name"]
        permissions = [("conduct_engagement", "Can freeze, sample, request and sign off in an engagement")]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="engagement_period"),
        ]

    def __str__(self):
        return f"{self.name} ({self.period_start} to {self.period_end})"

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": ["The audit period cannot end before it starts."]})

    def scope_controls(self):
        """The controls under audit: the chosen subset, or every testable control of the framework."""
        from compliance.models import Control

        chosen = Control.objects.filter(engagements=self)
        if chosen.exists():
            return chosen
        return Control.objects.filter(framework_id=self.framework_id, is_group=False)


class Population(models.Model):
    """What happened in the period for one control, frozen: member ids and their SHA-256."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="populations")
    control = models.ForeignKey("compliance.Control", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=PopulationKind.choices, default=PopulationKind.EVALUATIONS)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Ascending ids joined by "\n": the exact text the SHA-256 is over (engagements/sampling.py).
    members = models.TextField(blank=True, editable=False)
    frozen_at = models.DateTimeField(default=timezone.now, editable=False)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["engagement", "id"]

    def __str__(self):
        return f"{self.control} {self.kind}: {self.size} members"

    def member_ids(self):
        return [int(line) for line in self.members.split("\n")] if self.members else []


class Sample(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="samples")
    population = models.ForeignKey(Population, on_delete=models.PROTECT, related_name="samples")
    seed = models.CharField(max_length=128)
    size = models.PositiveIntegerField()
    frequency = models.CharField(max_length=16, choices=Frequency.choices, blank=True)
    members = models.JSONField(default=list, editable=False)
    drawn_at = models.DateTimeField(default=timezone.now, editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["engagement", "id"]

    def __str__(self):
        return f"sample of {self.size} from population {self.population_id}"


class EvidenceRequest(models.Model):
    """One line of the PBC ("provided by client") list."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="requests")
    control = models.ForeignKey("compliance.Control", on_delete=models.PROTECT, related_name="+")
    sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    member = models.BigIntegerField(null=True, blank=True, help_text="The sample member asked about, if any.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    due_at = models.DateTimeField()
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_requests")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    answers = models.ManyToManyField("compliance.Evidence", through="RequestAnswer", blank=True, related_name="+")
    comment = models.TextField(blank=True, help_text="The auditor's comment on acceptance or rejection.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["engagement", "due_at", "id"]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self):
        return self.status in (RequestStatus.OPEN, RequestStatus.REJECTED) and self.due_at < timezone.now()


class RequestAnswer(models.Model):
    """Evidence attached to a request. PROTECT: evidence an engagement refers to cannot be deleted."""

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE, related_name="answer_rows")
    evidence = models.ForeignKey("compliance.Evidence", on_delete=models.PROTECT, related_name="engagement_answers")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "evidence"], name="request_answer_once")]

    def __str__(self):
        return f"{self.evidence_id} for request {self.request_id}"


class SignOff(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="sign_offs")
    control = models.ForeignKey("compliance.Control", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=12, choices=SignOffResult.choices)
    note = models.TextField(blank=True)
    finding = models.ForeignKey(
        "compliance.Finding", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["engagement", "control"]
        constraints = [models.UniqueConstraint(fields=["engagement", "control"], name="sign_off_once_per_control")]

    def __str__(self):
        return f"{self.control}: {self.result}"
