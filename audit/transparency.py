"""The transparency log over the chain: its Merkle tree, signed checkpoints and proofs.

Leaf i of the tree is the entry at chain seq i + 1, hashed as RFC 6962 hashes a leaf:
SHA-256(0x00 || the 32 bytes of its entry_hash). entry_hash commits to the canonical text
of the entry, its seq and its predecessor (audit/chain.py), so the leaf covers all three.

The tree is extended from the chain links (a narrow table, no join with the entries) by
the periodic task, which then signs a checkpoint: O(log n) work on top of the new leaves.
"""

import itertools

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from . import merkle, signing, timestamping
from .models import AuditChainLink, AuditMerkleNode, AuditSigningKey, AuditTreeCheckpoint

# Extensions of the tree wait for each other on this advisory lock (distinct from the seal's).
TREE_LOCK_KEY = 0x617564697401
BATCH = 5000
_LEAF_LEVEL_END = 1 << merkle.LEVEL_SHIFT  # positions below this are leaves (level 0)


class DatabaseStore:
    """The tree's perfect subtrees, in audit_auditmerklenode."""

    def get_many(self, keys):
        rows = AuditMerkleNode.objects.filter(position__in=list(keys)).values_list("position", "hash")
        return {position: bytes(value) for position, value in rows}


def tree_size():
    """The number of leaves in the stored tree."""
    last = AuditMerkleNode.objects.filter(position__lt=_LEAF_LEVEL_END).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])


def leaf_for(entry_hash):
    return merkle.leaf_hash(bytes.fromhex(entry_hash))


def _frontier(store, size):
    keys = merkle.frontier_keys(size)
    nodes = store.get_many(keys)
    return [nodes[k] for k in keys]


@transaction.atomic
def extend_tree():
    """Add every sealed link not yet in the tree as a leaf; (size, root hash) of the tree after."""
    _lock()
    store = DatabaseStore()
    size = tree_size()
    appender = merkle.Appender(size, _frontier(store, size))
    while True:
        links = list(
            AuditChainLink.objects.filter(seq__gt=appender.size)
            .order_by("seq")
            .values_list("seq", "entry_hash")[:BATCH]
        )
        for seq, entry_hash in links:
            if seq != appender.size + 1:
                # Links are written in commit order without gaps; a gap is the purge having
                # cut past the tree, which the task outruns by days.
                raise RuntimeError(f"chain link {appender.size + 1} is missing: the tree cannot grow past it")
            appender.append(leaf_for(entry_hash))
        AuditMerkleNode.objects.bulk_create(
            [AuditMerkleNode(position=position, hash=value) for position, value in appender.nodes]
        )
        appender.nodes = []
        if len(links) < BATCH:
            break
    return appender.size, appender.root()


def _register_key(key, now):
    """Record `key` as the signing key from `now`, closing the validity of the one before it."""
    known = AuditSigningKey.objects.filter(key_id=key.key_id).first()
    if known is not None and known.valid_until is None:
        return known
    AuditSigningKey.objects.filter(valid_until__isnull=True).exclude(key_id=key.key_id).update(valid_until=now)
    if known is not None:  # a key used before, in service again
        known.valid_until = None
        known.save(update_fields=["valid_until"])
        return known
    return AuditSigningKey.objects.create(
        key_id=key.key_id, name=key.name, public_key=key.public_b64, valid_from=now, valid_until=None
    )


@transaction.atomic
def publish_checkpoint():
    """Extend the tree and sign its head; the checkpoint, the last one if the tree did not grow, or None.

    None also when no signing key is configured (nothing can be signed) or the chain is empty.
    """
    if not signing.configured():
        return None
    size, root = extend_tree()
    if size == 0:
        return None
    last = AuditTreeCheckpoint.objects.order_by("-size").first()
    if last is not None and last.size >= size:
        return last
    key = signing.current_key()
    now = timezone.now()
    _register_key(key, now)
    note = signing.sign_note(signing.note_body(size, root), key)
    return AuditTreeCheckpoint.objects.create(
        size=size,
        root_hash=root.hex(),
        timestamp=now,
        key_id=key.key_id,
        note=note,
        timestamp_token=timestamping.token_or_blank(note),
    )


def inclusion_proof(leaf_index, size):
    return merkle.inclusion_proof(DatabaseStore(), leaf_index, size)


def consistency_proof(first, second):
    return merkle.consistency_proof(DatabaseStore(), first, second)


def root_hash(size):
    return merkle.root(DatabaseStore(), size)


def checkpoint_dict(checkpoint):
    return {
        "size": checkpoint.size,
        "root_hash": checkpoint.root_hash,
        "timestamp": checkpoint.timestamp.isoformat(),
        "key_id": checkpoint.key_id,
        "note": checkpoint.note,
        "timestamp_token": checkpoint.timestamp_token or None,
    }


def export_envelope(queryset):
    """What a JSON export carries besides its entries, for the entries of `queryset`.

    tree.prefix: the perfect subtrees of the leaves before the first entry (largest first),
    so a verifier can grow the tree from the export alone; the checkpoints whose trees end
    within the export, oldest first; and a consistency proof between each consecutive two.
    """
    bounds = queryset.aggregate(first=Min("link__seq"), last=Max("link__seq"))
    first, last = bounds["first"], bounds["last"]
    envelope = {"format": "audit-export/1", "origin": signing.origin(), "tree": None, "checkpoints": []}
    envelope["consistency"] = []
    if first is None:
        return envelope
    store = DatabaseStore()
    start = first - 1
    available = tree_size()
    if start > available:  # the tree lags behind the export: it cannot carry the prefix
        return envelope
    envelope["tree"] = {"first_index": start, "prefix": [value.hex() for value in _frontier(store, start)]}
    checkpoints = list(AuditTreeCheckpoint.objects.filter(size__gte=first, size__lte=last).order_by("size"))
    envelope["checkpoints"] = [checkpoint_dict(cp) for cp in checkpoints]
    envelope["consistency"] = [
        {"from": a.size, "to": b.size, "proof": [h.hex() for h in merkle.consistency_proof(store, a.size, b.size)]}
        for a, b in itertools.pairwise(checkpoints)
    ]
    return envelope
