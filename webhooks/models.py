"""Webhook subscriptions and their delivery log.

The audit chain is the outbox (audit/forwarding.py): a subscription's cursor `last_seq`
is the last chain seq it has been sent (or skipped, not matching its events). Nothing here
refers to an audit entry by a database foreign key; deliveries store the seq and entry id.
"""

from django.conf import settings
from django.db import models

from common.fields import EncryptedJSONField
from common.models import TimeStampedModel


class WebhookSubscription(TimeStampedModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    # Event types (audit/events: "app.model.action" or an action); "*" every one, "prefix.*" a family.
    events = models.JSONField(default=list)
    secret = EncryptedJSONField(default=dict, blank=True)  # {"value": ...}; write-only over the API
    is_active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True, help_text="Paused after failing too often.")
    last_seq = models.BigIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.url

    @property
    def signing_secret(self):
        return self.secret.get("value", "")


class WebhookDelivery(models.Model):
    """One attempt to deliver one event; retries of the event share its webhook_id."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    seq = models.BigIntegerField()
    entry_id = models.BigIntegerField()
    event_type = models.CharField(max_length=200)
    webhook_id = models.CharField(max_length=64)
    attempt = models.PositiveIntegerField(default=1)
    delivered = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "-created_at", "-id"], name="webhook_delivery_sub")]

    def __str__(self):
        return f"{self.webhook_id} attempt {self.attempt}"
