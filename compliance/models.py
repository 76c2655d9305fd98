"""Compliance content: frameworks, controls, mappings, rules, data sources, findings.

Evaluations and the state derived from them are compliance.evaluations' models, imported
here so `compliance.models` names every model of the app.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from common.access import AccessLevel
from common.models import TimeStampedModel

from .choices import (
    ACTIVE_FINDING_STATUSES,
    Environment,
    FindingStatus,
    ImplementationStatus,
    MappingRelationship,
    RuleType,
    Severity,
    SourceType,
)
from .evaluations.models import (  # noqa: F401  (re-exported: the app's models in one place)
    EvaluationRollup,
    LatestEvaluation,
    LatestStatusCount,
    RetentionHorizon,
    RollupDimension,
    RollupPeriod,
    RuleEvaluation,
    StatusChange,
    StatusChangeRollup,
)
from .evidence.models import Evidence  # noqa: F401  (re-exported likewise)
from .oscal.models import ImportedProfile  # noqa: F401  (re-exported)


class Framework(TimeStampedModel):
    code = models.SlugField(max_length=50, unique=True, help_text="Stable slug used in URLs, e.g. soc2.")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True)
    issuer = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    is_builtin = models.BooleanField(default=False, help_text="Seeded content; updated by seed_compliance.")
    workflow_access_level = models.CharField(
        max_length=12,
        choices=AccessLevel.choices,
        blank=True,
        help_text="The lowest access level of a workflow started from a finding of this framework's rules.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} {self.version}".strip()

    def get_absolute_url(self):
        return reverse("admin:compliance_framework_change", args=[self.pk])


class Control(TimeStampedModel):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="controls")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="Family or parent control; enhancements hang under their base control.",
    )
    ref_id = models.CharField(max_length=64, help_text="Identifier within the framework, e.g. CC6.1.")
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    is_group = models.BooleanField(default=False, help_text="A family or category, not a testable control.")
    sort_order = models.PositiveIntegerField(default=0)
    parameters = models.JSONField(default=list, blank=True)
    # Ownership and freshness (docs/evidence.md); the derived state is compliance/freshness.py's.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_controls"
    )
    owner_team = models.ForeignKey(
        "auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_controls"
    )
    implementation_status = models.CharField(
        max_length=24, choices=ImplementationStatus.choices, default=ImplementationStatus.NOT_IMPLEMENTED
    )
    not_applicable_justification = models.TextField(blank=True)
    review_cadence_days = models.PositiveIntegerField(null=True, blank=True)
    next_review_at = models.DateTimeField(null=True, blank=True)
    test_cadence_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Its rules must be evaluated at least this often, or the control is stale."
    )

    class Meta:
        ordering = ["framework", "sort_order", "ref_id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "ref_id"], name="control_unique_ref_per_framework"),
        ]

    def __str__(self):
        return f"{self.ref_id} {self.title}"

    def clean(self):
        if self.parent is not None and self.parent.framework_id != self.framework_id:
            raise ValidationError({"parent": ["Parent must belong to the same framework."]})
        if self.parent is not None and self.pk is not None and self.parent.pk == self.pk:
            raise ValidationError({"parent": ["A control cannot be its own parent."]})
        if (
            self.implementation_status == ImplementationStatus.NOT_APPLICABLE
            and not (self.not_applicable_justification or "").strip()
        ):
            raise ValidationError(
                {"not_applicable_justification": ["A control that does not apply needs a justification."]}
            )
        if self.review_cadence_days == 0:
            raise ValidationError({"review_cadence_days": ["A review cadence is at least one day."]})
        if self.test_cadence_hours == 0:
            raise ValidationError({"test_cadence_hours": ["A test cadence is at least one hour."]})


class ControlRevision(models.Model):
    """One change the seeder made to a built-in control's content: what changed, when, from which version."""

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="revisions")
    field = models.CharField(max_length=50)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    from_version = models.CharField(max_length=50, blank=True)
    to_version = models.CharField(max_length=50, blank=True)
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.control_id} {self.field} @ {self.changed_at:%Y-%m-%d}"


class ControlMapping(TimeStampedModel):
    source = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="mappings_out")
    target = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="mappings_in")
    relationship = models.CharField(max_length=20, choices=MappingRelationship.choices)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["source", "target"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="control_mapping_unique_pair"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="control_mapping_not_self"),
        ]

    def __str__(self):
        return f"{self.source.ref_id} {self.get_relationship_display()} {self.target.ref_id}"

    def clean(self):
        if self.source_id is not None and self.source_id == self.target_id:
            raise ValidationError({"target": ["A control cannot be mapped to itself."]})


class RuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ComplianceRule(TimeStampedModel):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="rules")
    controls = models.ManyToManyField(Control, blank=True, related_name="rules")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    rule_type = models.CharField(max_length=20, choices=RuleType.choices, default=RuleType.AUTOMATED)
    is_active = models.BooleanField(default=True)
    tags = models.JSONField(default=list, blank=True)
    remediation = models.TextField(blank=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["framework", "is_active"], name="rule_framework_active")]

    def __str__(self):
        return self.name


class DataSource(TimeStampedModel):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_data_sources",
    )
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.PRODUCTION)
    criticality = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    tags = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class FindingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_FINDING_STATUSES)

    def with_framework_code(self):
        """Each finding's framework code in the same query (read by Finding.framework_code):
        a page of findings then builds no rule or framework rows."""
        return self.annotate(rule_framework_code=models.F("rule__framework__code"))


class Finding(TimeStampedModel):
    """One per (rule, data source): opened by a failure, resolved by a pass, reopened after."""

    # No index of its own: finding_unique_pair leads with the rule.
    rule = models.ForeignKey(ComplianceRule, on_delete=models.CASCADE, db_index=False, related_name="findings")
    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    opened_at = models.DateTimeField(help_text="Start of the current occurrence (age is measured from here).")
    resolved_at = models.DateTimeField(null=True, blank=True)
    recurrence_count = models.PositiveIntegerField(default=0)
    occurrences = models.PositiveIntegerField(default=1, help_text="Failed evaluations seen in total.")
    # Unindexed, so an ingest moving it on writes no index entry; DO_NOTHING because an
    # evaluation is only deleted with its rule or data source, whose cascades delete this
    # finding (retention's partition drop clears it: evaluations/retention.py).
    last_evaluation = models.ForeignKey(
        RuleEvaluation,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_findings",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "data_source"], name="finding_unique_pair"),
        ]
        indexes = [models.Index(fields=["status", "severity"], name="finding_status_severity")]

    def __str__(self):
        return self.title

    @property
    def is_active(self):
        return self.status in ACTIVE_FINDING_STATUSES

    @property
    def framework_code(self):
        if "rule_framework_code" in self.__dict__:
            return self.rule_framework_code
        return self.rule.framework.code
