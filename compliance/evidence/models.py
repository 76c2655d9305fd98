"""Evidence rows: what was collected, when, by whom, from where, and the period it proves.

A row never changes once written (the services offer no update of content): a correction
is a new row whose `replaces` names the one it corrects, and the old one stays readable.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common.access import AccessLevel, AccessLevelQuerySet


def evidence_storage():
    """The storage evidence files live in (a callable, so settings decide at run time)."""
    return storages["evidence"]


class EvidenceQuerySet(AccessLevelQuerySet):
    def current(self):
        """Rows no newer version has replaced."""
        return self.filter(replaced_by__isnull=True)

    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())

    def unexpired(self, now=None):
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))

    def covering(self, day):
        """Rows whose covered period includes `day` (an open end covers every later day)."""
        return self.filter(Q(covers_from__isnull=True) | Q(covers_from__lte=day)).filter(
            Q(covers_to__isnull=True) | Q(covers_to__gte=day)
        )


class Evidence(models.Model):
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    file = models.FileField(storage=evidence_storage, max_length=500, editable=False)
    is_record = models.BooleanField(default=False, help_text="A structured JSON record rather than an uploaded file.")
    sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    size = models.BigIntegerField(editable=False)
    media_type = models.CharField(max_length=150)
    controls = models.ManyToManyField("compliance.Control", blank=True, related_name="evidence")
    rules = models.ManyToManyField("compliance.ComplianceRule", blank=True, related_name="evidence")
    findings = models.ManyToManyField("compliance.Finding", blank=True, related_name="evidence")
    # Workflow steps live in a higher layer (workflows/): their ids, not a foreign key.
    workflow_step_ids = models.JSONField(default=list, blank=True)
    collected_at = models.DateTimeField(help_text="When the evidence was produced (not when it was uploaded).")
    covers_from = models.DateField(null=True, blank=True, help_text="First day of the period it proves.")
    covers_to = models.DateField(null=True, blank=True, help_text="Last day of the period it proves.")
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An integration (integrations/, a higher layer) and the id of the sync log entry that
    # produced the evidence: ids, so the core imports no connector.
    collected_by_integration_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    sync_log_id = models.BigIntegerField(null=True, blank=True)
    source = models.TextField(blank=True, help_text="The query, URL or API calls that produced it.")
    valid_for_days = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    tags = models.JSONField(default=list, blank=True)
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices, default=AccessLevel.INTERNAL)
    shared_with = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = EvidenceQuerySet.as_manager()
    confidential_permission = "compliance.view_confidential_evidence"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "evidence"
        permissions = [("view_confidential_evidence", "Can view confidential evidence")]
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_from__isnull=True)
                | Q(covers_to__isnull=True)
                | Q(covers_to__gte=models.F("covers_from")),
                name="evidence_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def clean(self):
        if self.covers_from and self.covers_to and self.covers_to < self.covers_from:
            raise ValidationError({"covers_to": ["The covered period cannot end before it starts."]})
        if self.collected_at and self.collected_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"collected_at": ["Evidence cannot be collected in the future."]})

    def derive_expiry(self):
        self.expires_at = (
            self.collected_at + timedelta(days=self.valid_for_days) if self.valid_for_days is not None else None
        )

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def overlaps(self, start, end):
        """Whether the covered period meets [start, end] (dates); an open side reaches every day."""
        return (self.covers_from is None or self.covers_from <= end) and (
            self.covers_to is None or self.covers_to >= start
        )
