"""The audit log. Written only through audit.services; never updated or deleted.

Each entry is a link of a SHA-256 hash chain (see audit/chain.py). On PostgreSQL the
link fields (seq, prev_hash, entry_hash) are filled by a deferred trigger at commit, so
the chain head is locked only for the instant of the commit; elsewhere they are filled
at insert time.
"""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .choices import ImpactLevel, Source


class AuditLog(models.Model):
    timestamp = models.DateTimeField(default=timezone.now)  # indexed with id below (audit_time_id)
    # Neither FK is a database constraint nor cascades: the trail outlives users and
    # content types, and a cascade would try to UPDATE entries (the triggers refuse).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)  # indexed below (audit_action), without a LIKE twin
    content_type = models.ForeignKey(  # audit_object below starts with it: no index of its own
        ContentType, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
        db_index=False,
    )
    object_id = models.CharField(max_length=64, blank=True)  # indexed with content_type (audit_object)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    impact_level = models.CharField(max_length=10, choices=ImpactLevel.choices, default=ImpactLevel.LOW)
    request_id = models.CharField(max_length=64, blank=True)  # indexed below (audit_request)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    session_hash = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    message = models.TextField(blank=True)
    # Chain fields. content_hash covers every field above; entry_hash links it to the
    # previous entry: sha256(prev_hash ":" seq ":" content_hash). The link fields are
    # deliberately not indexed: the seal at commit then updates the fresh row in place
    # (a PostgreSQL HOT update, no index writes). Verification sorts by seq once.
    content_hash = models.CharField(max_length=64)
    seq = models.BigIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        # Every entry pays for each index on insert: one per API filter or lookup, and no
        # varchar_pattern_ops twins (filters are exact, never LIKE).
        indexes = [
            models.Index(fields=["content_type", "object_id", "-id"], name="audit_object"),
            models.Index(fields=["-timestamp", "-id"], name="audit_time_id"),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["request_id"], name="audit_request"),
        ]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action} {self.object_repr}"

    @property
    def content_type_label(self):
        """"app_label.model" of the object's type, from ContentType's per-process cache (no join)."""
        if self.content_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(self.content_type_id)
        return f"{content_type.app_label}.{content_type.model}"


class AuditChainHead(models.Model):
    """The single row (id=1) holding the end of the chain; appends lock it."""

    seq = models.BigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"head at {self.seq}"


class AuditCheckpoint(models.Model):
    """A signed statement "entry `seq` had hash `entry_hash`" (HMAC key outside the DB)."""

    seq = models.BigIntegerField(db_index=True)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=32, default="scheduled")
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq", "-id"]

    def __str__(self):
        return f"checkpoint at {self.seq}"
