"""Writing audit entries. The one way anything gets into the audit log.

Every function writes in the caller's transaction: a rollback leaves no entry, and a
failed write raises (and so fails the change it describes).
"""

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from common import partitions

from . import chain
from .context import get_context
from .impact import impact_for
from .models import AuditChainLink, AuditCheckpoint, AuditLog

_UNSET = object()


def _limit(value, length):
    return (value or "")[:length]


def record_event(*, action, instance=None, changes=None, message="", impact_level=None, actor=_UNSET):
    """Write one audit entry with the current request/task/command context.

    impact_level defaults to the impact table (audit/impact.py) for `action` on `instance`; `actor`
    overrides the context's actor (a login is written before request.user is set).
    """
    ctx = get_context()
    if actor is _UNSET:
        actor = ctx.actor
    content_type = ContentType.objects.get_for_model(instance) if instance is not None else None
    if impact_level is None:
        impact_level = impact_for(action, type(instance) if instance is not None else None)
    return chain.append(
        {
            "timestamp": timezone.now(),
            "actor_id": actor.pk if actor is not None else None,
            "actor_username": _limit(actor.get_username() if actor is not None else ctx.actor_label, 150),
            "action": _limit(str(action), 64),
            "content_type_id": content_type.pk if content_type else None,
            "object_id": _limit(str(instance.pk), 64) if instance is not None else "",
            "object_repr": _limit(str(instance), 300) if instance is not None else "",
            "changes": chain.json_safe(changes or {}),
            "impact_level": str(impact_level),
            "request_id": _limit(ctx.request_id, 64),
            "ip_address": ctx.ip_address,
            "user_agent": _limit(ctx.user_agent, 512),
            "session_hash": ctx.session_hash,
            "source": str(ctx.source),
            "message": str(message or ""),
        }
    )


def record_permission_denied(*, request, reason=""):
    """A refused action is a security event: who tried what, where."""
    is_read = request.method in ("GET", "HEAD", "OPTIONS")
    return record_event(
        action="permission_denied",
        message=f"{request.method} {request.path} refused: {reason}"[:2000],
        impact_level="low" if is_read else None,
        changes={"method": [None, request.method], "path": [None, request.path]},
    )


@transaction.atomic
def create_checkpoint(*, reason="scheduled"):
    """Sign the current end of the chain (HMAC, key outside the database); None if empty."""
    seq, entry_hash = chain.last_link()
    if not seq:
        return None
    existing = AuditCheckpoint.objects.filter(seq=seq, entry_hash=entry_hash).first()
    if existing is not None:
        return existing
    return _checkpoint(seq=seq, entry_hash=entry_hash, reason=reason)


def _checkpoint(*, seq, entry_hash, reason):
    created_at = timezone.now()
    return AuditCheckpoint.objects.create(
        seq=seq,
        entry_hash=entry_hash,
        created_at=created_at,
        reason=reason,
        signature=chain.sign_checkpoint(seq, entry_hash, created_at),
    )


@transaction.atomic
def purge_audit_log(*, older_than_days=None):
    """Delete the oldest entries, those older than the retention period, and nothing else.

    Deletes a prefix of the chain (through the last entry before the first one that is
    still within the period), leaves a signed checkpoint at the cut so verification
    starts from it, and records its own entry. The link at the cut stays (its entry goes):
    the chain continues from it even when every entry was old enough to go. Returns the
    number of entries deleted. On a partitioned table whole partitions go first.
    """
    days = settings.AUDIT_RETENTION_DAYS if older_than_days is None else older_than_days
    if days < 1:
        raise ValueError("The retention period must be at least one day.")
    cutoff = timezone.now() - timedelta(days=days)
    dropped, through = [], None
    if partitions.is_partitioned(AuditLog._meta.db_table):
        dropped, cutoff = _drop_partitions(days, cutoff)
        through = dropped[-1][1] if dropped else None
    deleted, cut = _purge_rows(cutoff)
    deleted += sum(n for _, _, n in dropped)
    changes = {"deleted": [None, deleted], "through_seq": [None, cut or through], "retention_days": [None, days]}
    if dropped:
        changes["partitions_dropped"] = [None, [name for name, _, _ in dropped]]
    record_event(
        action="audit_purge", changes=changes, message=f"Purged {deleted} audit entries older than {days} days."
    )
    return deleted


def _drop_partitions(days, cutoff):
    """Drop the whole partitions past retention (audit/partitioning.py leaves the checkpoint);
    ([(name, cut seq, entries)], the cutoff for the row purge of what is left).

    Rows of a one-interval partition are left for its drop (they are kept up to one
    interval longer than the period); the row purge takes those of the legacy partition
    (never split) and of the DEFAULT guard, as before the table was partitioned."""
    from . import partitioning

    log = []
    tokens = partitioning.cutoff.set(cutoff), partitioning.dropped.set(log)
    try:
        partitions.drop_older_than(partitioning.TABLE, days=days)
    finally:
        partitioning.cutoff.reset(tokens[0])
        partitioning.dropped.reset(tokens[1])
    holding = [
        p
        for p in partitions.partitions(partitioning.TABLE)
        if not p.is_default and p.lower and p.upper and p.lower <= cutoff < p.upper
    ]
    if holding and partitions.next_start(partitions.interval_start(holding[0].lower)) >= holding[0].upper:
        cutoff = holding[0].lower
    return log, cutoff


def _purge_rows(cutoff):
    """(entries deleted, seq of the cut or None): the prefix of the chain older than `cutoff`."""
    links = AuditChainLink.objects.all()
    first_kept = links.filter(entry__timestamp__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    through = (first_kept - 1) if first_kept is not None else chain.last_link()[0]
    cut = None
    if AuditLog.objects.filter(link__seq__lte=through).exists():  # not just a previous purge's cut
        cut = links.filter(seq__lte=through).order_by("-seq").values_list("seq", "entry_hash").first()
    if cut is None:
        return 0, None
    _checkpoint(seq=cut[0], entry_hash=cut[1], reason="purge")
    return _delete_through(cut[0]), cut[0]


def _delete_through(seq):
    """Delete the entries through link `seq`, and the links before it; the count of entries."""
    with connection.cursor() as cursor, _purge_allowed(cursor):
        # Raw DELETEs keep the purge two statements under the sanctioned trigger bypass.
        cursor.execute(
            f"DELETE FROM {AuditLog._meta.db_table} WHERE id IN "
            f"(SELECT entry_id FROM {AuditChainLink._meta.db_table} WHERE seq <= %s)",
            [seq],
        )
        deleted = cursor.rowcount
        cursor.execute(f"DELETE FROM {AuditChainLink._meta.db_table} WHERE seq < %s", [seq])
    return deleted


@contextmanager
def _purge_allowed(cursor):
    """Lift the append-only triggers' refusal of DELETE, inside the purge's own transaction."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL audit.purge = 'on'")
        yield
        cursor.execute("SET LOCAL audit.purge = 'off'")
        return
    from .sql import SQLITE_DELETE_TRIGGERS

    for name in SQLITE_DELETE_TRIGGERS:  # SQLite DDL is transactional: a failure restores them
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    for statement in SQLITE_DELETE_TRIGGERS.values():
        cursor.execute(statement)
