"""Verifying the chain: every link, every entry, and every signed checkpoint.

Reads the log once, in seq order, in chunks; memory does not grow with its size.
"""

from dataclasses import dataclass, field

from django.db.models import F

from . import chain
from .models import AuditChainLink, AuditCheckpoint, AuditLog


@dataclass
class VerifyResult:
    entries: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def fail(self, text):
        self.problems.append(text)


def _entry(row_id, seq):
    return f"entry id={row_id} seq={seq}"


def verify_chain(*, external_checkpoints=()):
    """Check the whole chain; `external_checkpoints` are exported checkpoint dicts kept elsewhere."""
    chain.seal_pending()
    result = VerifyResult()
    checkpoints = list(
        AuditCheckpoint.objects.order_by("seq", "id").values("id", "seq", "entry_hash", "created_at", "signature")
    )
    for cp in checkpoints:
        if not chain.checkpoint_signature_ok(cp["seq"], cp["entry_hash"], cp["created_at"], cp["signature"]):
            result.fail(f"checkpoint id={cp['id']} seq={cp['seq']}: signature does not match (forged or altered)")
    anchors = {cp["seq"]: cp["entry_hash"] for cp in checkpoints}
    for cp in external_checkpoints:
        if not chain.checkpoint_signature_ok(cp["seq"], cp["entry_hash"], cp["created_at"], cp["signature"]):
            result.fail(f"exported checkpoint seq={cp['seq']}: signature does not match")
        elif anchors.setdefault(cp["seq"], cp["entry_hash"]) != cp["entry_hash"]:
            result.fail(f"exported checkpoint seq={cp['seq']}: differs from the database's checkpoint")

    for entry_id in AuditLog.objects.filter(link__isnull=True).order_by("id").values_list("id", flat=True)[:20]:
        result.fail(f"{_entry(entry_id, None)}: never sealed into the chain (inserted behind the application)")
    # Links whose entry is gone drop out of this join; the gap they leave is what is reported.
    entry_fields = {name: F(f"entry__{name}") for name in ("id", "content_hash", *chain.CONTENT_FIELDS)}
    rows = AuditChainLink.objects.order_by("seq").values("seq", "prev_hash", "entry_hash", **entry_fields)
    prev_hash, expected_seq, last_seq = None, None, None
    for row in rows.iterator(chunk_size=5000):
        result.entries += 1
        seq = row["seq"]
        where = _entry(row["id"], seq)
        if expected_seq is None:
            # The first retained entry: seq 1, or right after a purge checkpoint.
            if seq != 1 and anchors.get(seq - 1) != row["prev_hash"]:
                result.fail(f"{where}: entries before it are missing and no checkpoint vouches for the cut")
            prev_hash = row["prev_hash"]
        elif seq != expected_seq:
            result.fail(f"{where}: expected seq {expected_seq} (entries missing, inserted or reordered)")
        elif row["prev_hash"] != prev_hash:
            result.fail(f"{where}: prev_hash does not match the previous entry (inserted or reordered)")
        if chain.content_hash(row) != row["content_hash"]:
            result.fail(f"{where}: content does not match its hash (entry modified)")
        elif chain.link_hash(row["prev_hash"], seq, row["content_hash"]) != row["entry_hash"]:
            result.fail(f"{where}: entry_hash does not match (entry or link modified)")
        if seq in anchors and anchors[seq] != row["entry_hash"]:
            result.fail(f"{where}: differs from the signed checkpoint at seq {seq}")
        prev_hash, expected_seq, last_seq = row["entry_hash"], seq + 1, seq
        if len(result.problems) >= 20:
            break

    last_link = chain.last_link()[0]
    if result.ok and last_link and last_seq is None and not anchors.get(last_link):
        result.fail(f"the chain ends at seq {last_link} but there are no entries (all deleted)")
    if result.ok and last_seq is not None and last_link != last_seq:
        result.fail(
            f"the chain ends at seq {last_link} but the last entry is seq {last_seq} (entries at the end missing)"
        )
    max_anchor = max(anchors, default=0)
    if result.ok and max_anchor > (last_seq or 0):
        result.fail(
            f"a signed checkpoint vouches for seq {max_anchor}, beyond the last entry (entries at the end missing)"
        )
    return result
