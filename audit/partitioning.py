"""The audit log is partitioned by `timestamp` on PostgreSQL (migration 0011; docs/scaling.md).

Retention drops whole partitions (audit.services.purge_audit_log) and keeps the chain's
guarantees as the row-by-row purge does: what goes is a prefix of the chain, and a signed
checkpoint at the cut vouches for where what remains continues.

An entry's place in the chain is its commit order, not its timestamp: a transaction that
began before a partition boundary may commit after one that began after it. So the
partition's entries are not always a prefix by themselves. The cut is the last seq any
of them holds; the few entries of later partitions at or before it ("stragglers", from
the boundary's instant) go too, one by one, and only if they are past the retention
cutoff as well; otherwise the partition waits. Entries of an older partition still there
(one that was kept) block the drop: the cut would not be a prefix.

The chain links (audit_auditchainlink) are not partitioned: narrow rows keyed by seq, no
time column; the links before the cut are deleted as the row purge deletes them.
"""

import contextvars

from django.db import connection

from common import partitions

from . import sql
from .models import AuditChainLink, AuditLog

TABLE = AuditLog._meta.db_table
LINKS = AuditChainLink._meta.db_table
# The retention cutoff of the drop in progress (set by purge_audit_log).
cutoff = contextvars.ContextVar("audit_retention_cutoff", default=None)
# What the drops of this purge removed: [(partition, cut seq, entries)], for its audit entry.
dropped = contextvars.ContextVar("audit_dropped_partitions", default=None)


def register():
    # No retention_setting: purge_audit_log drops audit partitions itself (and records
    # that it did), not the site's generic retention task.
    partitions.register(
        TABLE, "timestamp", verify=verify_partition, before_drop=cut_chain, on_create=protect, movable=False
    )


def protect(partition):
    """PostgreSQL copies row triggers to a new partition, not the TRUNCATE one."""
    with connection.cursor() as cursor:
        cursor.execute(sql.pg_partition_truncate_trigger(partition))


def _q(name):
    return connection.ops.quote_name(name)


def _cut_and_stragglers(cursor, part):
    """(last seq of the partition's entries or None, [(id, timestamp)] of other entries at or before it)."""
    cursor.execute(f"SELECT max(l.seq) FROM {LINKS} l JOIN {_q(part.name)} e ON e.id = l.entry_id")
    (cut,) = cursor.fetchone()
    if cut is None:
        return None, []
    cursor.execute(
        f"SELECT e.id, e.timestamp FROM {LINKS} l JOIN {TABLE} e ON e.id = l.entry_id WHERE l.seq <= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {_q(part.name)} p WHERE p.id = l.entry_id)",
        [cut],
    )
    return cut, cursor.fetchall()


def verify_partition(part):
    problems = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {_q(part.name)} e WHERE NOT EXISTS (SELECT 1 FROM {LINKS} l WHERE l.entry_id = e.id)"
        )
        (unsealed,) = cursor.fetchone()
        if unsealed:
            problems.append(f"{unsealed} entries never sealed into the chain (kept as evidence)")
        cut, others = _cut_and_stragglers(cursor, part)
    limit = cutoff.get()
    older = [row for row in others if part.lower is None or row[1] < part.lower]
    if older:
        problems.append(f"{len(older)} entries of an older partition are still kept: the cut would not be a prefix")
    if limit is not None and any(row[1] >= limit for row in others if row not in older):
        problems.append(f"entries committed before seq {cut} are still within retention: dropped later")
    return problems


def cut_chain(part):
    """Before the partition goes: the tree takes the links in, a signed checkpoint marks the
    cut, the stragglers and the links before the cut are deleted (the sanctioned purge)."""
    from . import services, transparency

    with connection.cursor() as cursor:
        cut, others = _cut_and_stragglers(cursor, part)
        if cut is None:
            return
        cursor.execute(f"SELECT count(*) FROM {_q(part.name)}")
        (entries,) = cursor.fetchone()
        cursor.execute(f"SELECT entry_hash FROM {LINKS} WHERE seq = %s", [cut])
        (entry_hash,) = cursor.fetchone()
    transparency.extend_tree()  # its leaves are the links' hashes: taken before they go
    services._checkpoint(seq=cut, entry_hash=entry_hash, reason="purge")
    with connection.cursor() as cursor, services._purge_allowed(cursor):
        if others:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = ANY(%s)", [[row[0] for row in others]])
        cursor.execute(f"DELETE FROM {LINKS} WHERE seq < %s", [cut])
    log = dropped.get()
    if log is not None:
        log.append((part.name, cut, entries + len(others)))
