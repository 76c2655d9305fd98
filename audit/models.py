"""The audit log. Written only through audit.services; never updated or deleted.

Each entry is a link of a SHA-256 hash chain (see audit/chain.py), recorded in
AuditChainLink. On PostgreSQL the link is written by a deferred trigger at commit, so the
chain is locked only for the instant of the commit; elsewhere at insert time.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone

from .choices import ImpactLevel, Source


class AuditLog(models.Model):
    timestamp = models.DateTimeField(default=timezone.now)  # indexed with id below (audit_time_id)
    # Neither FK is a database constraint nor cascades: the trail outlives users and
    # content types, and a cascade would try to UPDATE entries (the triggers refuse).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)  # indexed below (audit_action), without a LIKE twin
    content_type = models.ForeignKey(  # audit_object below starts with it: no index of its own
        ContentType,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
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
    # content_hash covers every field above. The entry's place in the chain is its
    # AuditChainLink, written by the seal: this row is never updated, not even to seal it.
    content_hash = models.CharField(max_length=64)

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

    @classmethod
    def from_values(cls, values, **more):
        """An unsaved entry with these attribute values, made as unpickling makes an instance.

        Model.__init__ (per-field defaults, descriptors, init signals) was a tenth of an
        entry's cost, and every audited write pays it. `values` must hold every field.
        """
        entry = cls.__new__(cls)
        entry.__dict__.update(values, id=None, **more)
        entry._state = ModelState()
        return entry

    @property
    def content_type_label(self):
        """ "app_label.model" of the object's type, from ContentType's per-process cache (no join)."""
        if self.content_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(self.content_type_id)
        return f"{content_type.app_label}.{content_type.model}"

    @property
    def chain_link(self):
        """The entry's AuditChainLink, or None while unsealed (select_related("link") to read it in bulk)."""
        try:
            return self.link
        except AuditChainLink.DoesNotExist:
            return None

    @property
    def seq(self):
        link = self.chain_link
        return link.seq if link else None

    @property
    def entry_hash(self):
        link = self.chain_link
        return link.entry_hash if link else ""


class AuditChainLink(models.Model):
    """Entry `entry` is link `seq` of the chain: entry_hash = sha256(prev_hash ":" seq ":" content_hash).

    Written once by the seal and never updated. A narrow row of its own, so sealing is one
    small INSERT rather than an update of the wide entry row (which PostgreSQL would copy
    whole, often with a new entry in each of its indexes). The last link is the chain's head.
    """

    seq = models.BigIntegerField(primary_key=True)
    # No database FK: the retention purge deletes entries, and keeps the link at its cut.
    entry = models.OneToOneField(AuditLog, on_delete=models.DO_NOTHING, related_name="link", db_constraint=False)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def __str__(self):
        return f"link {self.seq}"


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


# --- the transparency log (audit/transparency.py) ---------------------------------------
# None of these refers to an entry by a database foreign key (the entry table may be
# partitioned by time): a leaf is known by its index, which is its link's seq - 1.
class AuditMerkleNode(models.Model):
    """One perfect subtree of the RFC 6962 tree over the chain (audit/merkle.py): written once.

    `position` = level << 57 | index; the node covers leaves [index * 2**level, (index + 1) * 2**level).
    """

    position = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"merkle node {self.position >> 57}/{self.position & ((1 << 57) - 1)}"


class AuditSigningKey(models.Model):
    """An Ed25519 public key that has signed checkpoints, and when (the private key is never here).

    A key is valid from its first checkpoint until the first checkpoint of the key after it.
    """

    key_id = models.CharField(max_length=8, unique=True, help_text="hex of the C2SP signed-note key hash")
    name = models.CharField(max_length=200)
    public_key = models.CharField(max_length=64, help_text="base64 of the 32 raw bytes")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]

    def __str__(self):
        return f"{self.name} {self.key_id}"


class AuditTreeCheckpoint(models.Model):
    """A signed tree head: the tree of the first `size` entries has root `root_hash` (C2SP signed note)."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField(default=timezone.now)
    key_id = models.CharField(max_length=8)
    note = models.TextField()
    # base64 DER RFC 3161 TimeStampToken over SHA-256(note), when a TSA is configured (audit/timestamping.py)
    timestamp_token = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-size"]

    def __str__(self):
        return f"tree checkpoint {self.size}"


class AuditForwardCursor(models.Model):
    """How far a destination has been sent the chain: entries up to `last_seq` were delivered.

    The chain is the outbox: an entry exists only if its transaction committed, in commit
    order (its seq), so a forwarder that advances this after each delivery sends every
    entry at least once, in order, and never one that was rolled back.
    """

    name = models.CharField(max_length=64, unique=True)
    last_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return f"{self.name} at {self.last_seq}"
