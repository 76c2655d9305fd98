"""Integrations: configured connections to outside systems, their runs and their memory.

Integration holds the provider's config and the encrypted credentials; IntegrationLog is
one row per sync or connection test; SyncKey remembers which remote results were already
ingested (idempotent replays); RemoteResource maps a remote resource id to the
DataSource it became; FindingTicket links a finding to the ticket pushed for it.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from compliance.models import DataSource, Finding, Framework

from .choices import Health, IntegrationStatus, IntegrationType, LogKind, LogStatus
from .fields import EncryptedJSONField
from .partitioning import ensure_for


def success_rate(succeeded, failed):
    """Percent of finished syncs that succeeded, one decimal; None when none finished."""
    finished = succeeded + failed
    return round(100.0 * succeeded / finished, 1) if finished else None


class Integration(models.Model):
    name = models.CharField(max_length=200, unique=True)
    provider = models.CharField(max_length=50, db_index=True, help_text="A provider slug from the catalog.")
    integration_type = models.CharField(max_length=30, choices=IntegrationType.choices)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=IntegrationStatus.choices, default=IntegrationStatus.CONFIGURED, db_index=True
    )
    status_message = models.TextField(blank=True, help_text="Why the status is what it is (last error).")
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.UNKNOWN)
    config = models.JSONField(default=dict, blank=True)
    credentials = EncryptedJSONField(blank=True, default=dict)
    credentials_hint = models.CharField(max_length=64, blank=True, help_text="Masked hint, e.g. ••••abcd.")
    credentials_updated_at = models.DateTimeField(null=True, blank=True)
    frameworks = models.ManyToManyField(Framework, blank=True, related_name="integrations")
    sync_frequency_minutes = models.PositiveIntegerField(
        default=60, help_text="0 turns scheduled syncs off; manual syncs still work."
    )
    sync_state = models.JSONField(
        default=dict, blank=True, help_text="Provider cursors, e.g. the last audit entry pushed."
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sync_lock_until = models.DateTimeField(
        null=True, blank=True, help_text="Lease of the running sync; one sync at a time per integration."
    )
    sync_lock_owner = models.CharField(
        max_length=64, blank=True, help_text="Task id of the sync holding the lease (blank outside a worker)."
    )
    total_syncs = models.PositiveIntegerField(default=0)
    successful_syncs = models.PositiveIntegerField(default=0)
    failed_syncs = models.PositiveIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    total_sync_duration_ms = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "next_sync_at"], name="integration_due")]
        permissions = [("run_integration", "Can run syncs and connection tests of integrations")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:integrations_integration_change", args=[self.pk])

    @property
    def credentials_set(self):
        return bool(self.credentials_hint)

    @property
    def success_rate(self):
        """Share of finished syncs that succeeded, in percent; None before the first one."""
        return success_rate(self.successful_syncs, self.failed_syncs)

    @property
    def average_duration_ms(self):
        finished = self.successful_syncs + self.failed_syncs
        return round(self.total_sync_duration_ms / finished) if finished else None


class IntegrationLog(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="logs")
    kind = models.CharField(max_length=20, choices=LogKind.choices, default=LogKind.SYNC)
    status = models.CharField(max_length=20, choices=LogStatus.choices, default=LogStatus.RUNNING)
    trigger = models.CharField(max_length=20, blank=True, help_text="schedule, manual, api, admin…")
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    unmapped = models.JSONField(
        default=list, blank=True, help_text="Results that could not be mapped, with the reason (first 200)."
    )
    message = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["integration", "-started_at", "-id"], name="integration_log_time")]

    def __str__(self):
        return f"{self.integration} {self.kind} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    def save(self, *args, **kwargs):
        # The table is partitioned by started_at (integrations/partitioning.py): a new row's
        # partition exists first, so it never lands in the DEFAULT guard.
        if self._state.adding:
            ensure_for(self.started_at)
        super().save(*args, **kwargs)


class SyncKey(models.Model):
    """A remote result already ingested: (remote id, remote timestamp) per integration."""

    # No index of its own: sync_key_unique starts with integration_id and serves the dedup
    # lookup, the cascade delete and the FK check; a second index would only cost writes.
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=64, help_text="SHA-256 of remote id + remote timestamp.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "key"], name="sync_key_unique")]

    def __str__(self):
        return self.key


class RemoteResource(models.Model):
    """Which DataSource a remote resource id became (found or created on first sight)."""

    provider = models.CharField(max_length=50)
    resource_id = models.CharField(max_length=1024)
    data_source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="remote_resources")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "resource_id"], name="remote_resource_unique"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.resource_id}"


class FindingTicket(models.Model):
    """A ticket (incident, issue) pushed for a finding; one per finding and integration."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="tickets")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="tickets")
    remote_id = models.CharField(max_length=200)
    remote_key = models.CharField(max_length=200, blank=True, help_text="Human key, e.g. SEC-12 or INC0010001.")
    remote_url = models.URLField(max_length=1000, blank=True)
    remote_status = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "finding"], name="finding_ticket_unique"),
        ]

    def __str__(self):
        return self.remote_key or self.remote_id
