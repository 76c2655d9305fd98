"""FedRAMP 20x Key Security Indicators per system, and the validations that keep them passing."""

from django.db import models

from common.models import TimeStampedModel

from .choices import ValidationKind, ValidationMode


class KsiIndicator(TimeStampedModel):
    """One indicator (a control of fedramp_20x_ksi) as one system validates it."""

    system = models.ForeignKey("systems.System", on_delete=models.CASCADE, related_name="indicators")
    control = models.ForeignKey("compliance.Control", on_delete=models.PROTECT, related_name="ksi_indicators")
    mode = models.CharField(max_length=10, choices=ValidationMode.choices, default=ValidationMode.MACHINE)
    goals = models.TextField(blank=True)
    pass_fail_criteria = models.TextField(blank=True)
    resources_validated = models.JSONField(default=list, blank=True, help_text="What the validation looks at.")
    rule = models.OneToOneField(
        "compliance.ComplianceRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ksi_indicator",
        help_text="The rule whose evaluations record validations (and open the finding).",
    )

    class Meta:
        ordering = ["system", "control__sort_order"]
        constraints = [models.UniqueConstraint(fields=["system", "control"], name="ksi_indicator_unique")]

    def __str__(self):
        return f"{self.system} {self.control.ref_id}"

    @property
    def kinds(self):
        """The kinds of validation this indicator needs (each on its own cycle)."""
        if self.mode == ValidationMode.BOTH:
            return [ValidationKind.MACHINE, ValidationKind.PEOPLE]
        return [ValidationKind(self.mode)]


class KsiValidation(models.Model):
    """One run of an indicator's validation process, machine- or people-based."""

    indicator = models.ForeignKey(KsiIndicator, on_delete=models.CASCADE, related_name="validations")
    kind = models.CharField(max_length=10, choices=ValidationKind.choices)
    validated_at = models.DateTimeField()
    passed = models.BooleanField()
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-validated_at", "-id"]
        indexes = [models.Index(fields=["indicator", "kind", "-validated_at"], name="ksi_validation_newest")]

    def __str__(self):
        return f"{self.indicator} {self.kind} {self.validated_at:%Y-%m-%d}"
