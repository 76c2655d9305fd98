#!/usr/bin/env python3
"""Verify an audit-log export without trusting the platform that produced it.

    python tools/verify_audit.py EXPORT.json --key PUBLIC_KEY_FILE

Needs the Python standard library and `cryptography`, nothing else of ours. EXPORT is the
JSON export of GET /api/v1/audit-logs/export/?file_format=json; the key file holds the
base64 Ed25519 public key (GET /api/v1/audit-logs/checkpoints/key/, field public_key),
one per line when keys were rotated. Checks, in order:

1. every entry's content hash (recomputed from its fields), its entry_hash, and the
   chain: consecutive seq, each prev_hash the entry_hash before it;
2. the RFC 6962 Merkle tree grown from the entries (on top of the export's prefix of
   the tree before its first entry): its root at each checkpoint's size is that
   checkpoint's root;
3. each checkpoint's C2SP signed note: a signature by a trusted key over its origin, size
   and root, which match the checkpoint's fields; no two checkpoints of one size differ;
4. the RFC 9162 consistency proof between each two consecutive checkpoints.

Exit 0 printing "OK n entries, m checkpoints"; otherwise exit 1 naming the first entry
or checkpoint that fails and why.
"""

import argparse
import base64
import binascii
import hashlib
import ipaddress
import itertools
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# The fields an entry's content hash covers (audit/chain.py CONTENT_FIELDS).
CONTENT_FIELDS = (
    "timestamp",
    "actor_id",
    "actor_username",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "impact_level",
    "request_id",
    "ip_address",
    "user_agent",
    "session_hash",
    "source",
    "message",
)
EM_DASH = "\u2014"


class Failure(Exception):
    pass


# --- hashing ------------------------------------------------------------------------------
def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def content_hash(entry):
    """SHA-256 of the sorted-key, compact, ASCII JSON of the recorded fields."""
    values = {name: entry[name] for name in CONTENT_FIELDS}
    if values["ip_address"]:
        values["ip_address"] = ipaddress.ip_address(values["ip_address"]).exploded
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def link_hash(prev_hash, seq, entry_content_hash):
    return hashlib.sha256(f"{prev_hash}:{seq}:{entry_content_hash}".encode()).hexdigest()


class Tree:
    """An RFC 6962 tree grown leaf by leaf from its right edge (perfect subtrees by level)."""

    def __init__(self, size, prefix):
        self.size = size
        self.edge = {}
        levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
        if len(levels) != len(prefix):
            raise Failure(f"the tree prefix has {len(prefix)} hashes; a tree of {size} leaves needs {len(levels)}")
        for level, value in zip(levels, prefix, strict=True):
            self.edge[level] = value

    def append(self, leaf):
        value, level, index = leaf, 0, self.size
        while index & 1:
            value = node_hash(self.edge.pop(level), value)
            index >>= 1
            level += 1
        self.edge[level] = value
        self.size += 1

    def root(self):
        parts = [self.edge[level] for level in sorted(self.edge)]
        if not parts:
            return sha256(b"")
        result = parts[0]
        for left in parts[1:]:
            result = node_hash(left, result)
        return result


def verify_inclusion(leaf_index, tree_size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        return not proof and first_hash == second_hash
    if not 0 < first < second or (not proof and first & (first - 1)):
        return False
    if first & (first - 1) == 0:  # a power of two: the first tree is a subtree of the second
        proof = [first_hash, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


# --- signed notes -------------------------------------------------------------------------
def load_keys(text):
    keys = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            raw = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise Failure(f"key file line {number}: not base64") from None
        if len(raw) != 32:
            raise Failure(f"key file line {number}: an Ed25519 public key is 32 bytes, not {len(raw)}")
        keys.append(raw)
    if not keys:
        raise Failure("the key file holds no key")
    return keys


def key_hash(name, public):
    return sha256(name.encode() + b"\n\x01" + public)[:4]


def open_note(note, keys):
    """(origin, size, root) of a signed note with a valid signature by one of `keys`."""
    body, sep, signatures = note.partition("\n\n")
    if not sep or not body:
        raise Failure("the note has no signature block")
    body += "\n"
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise Failure("the note body needs an origin, a size and a root hash")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise Failure(f"the note's size {size_text!r} is not a number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise Failure("the note's root hash is not base64") from None
    for line in signatures.split("\n"):
        if not line.startswith(EM_DASH + " "):
            continue
        try:
            name, blob = line[2:].rsplit(" ", 1)
            blob = base64.b64decode(blob, validate=True)
        except (ValueError, binascii.Error):
            continue
        if len(blob) != 68:
            continue
        for public in keys:
            if key_hash(name, public) != blob[:4]:
                continue
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], body.encode())
            except InvalidSignature:
                raise Failure(f"the signature by {name} does not verify (note altered or forged)") from None
            return origin, int(size_text), root
    raise Failure("no signature by a trusted key (signed by another key, or unsigned)")


# --- the export ---------------------------------------------------------------------------
def _hex(value, where):
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise Failure(f"{where}: not a hex hash") from None
    if len(raw) != 32:
        raise Failure(f"{where}: not a SHA-256 hash")
    return raw


def _check_entries(entries, first_index):
    """Entry hashes and the chain; the entry hashes as leaves."""
    leaves = []
    prev_hash = None
    for position, entry in enumerate(entries):
        where = f"entry id={entry.get('id')} seq={entry.get('seq')}"
        try:
            seq = entry["seq"]
            if content_hash(entry) != entry["content_hash"]:
                raise Failure(f"{where}: content does not match its hash (entry modified)")
        except (KeyError, TypeError, ValueError) as exc:
            raise Failure(f"{where}: malformed entry ({exc})") from None
        expected = first_index + position + 1
        if seq != expected:
            raise Failure(f"{where}: expected seq {expected} (entries missing, inserted or reordered)")
        if prev_hash is not None and entry["prev_hash"] != prev_hash:
            raise Failure(f"{where}: prev_hash does not match the previous entry (inserted or reordered)")
        if link_hash(entry["prev_hash"], seq, entry["content_hash"]) != entry["entry_hash"]:
            raise Failure(f"{where}: entry_hash does not match (entry or link modified)")
        prev_hash = entry["entry_hash"]
        leaves.append(leaf_hash(_hex(entry["entry_hash"], where)))
    return leaves


def _check_checkpoints(export, keys, first_index, last_seq):
    """The checkpoints' signatures, and their fields against the notes; (size, root) pairs by size."""
    origin = export.get("origin")
    by_size = {}
    for checkpoint in export.get("checkpoints") or []:
        where = f"checkpoint size={checkpoint.get('size')}"
        try:
            note_origin, size, root = open_note(checkpoint["note"], keys)
        except Failure as exc:
            raise Failure(f"{where}: {exc}") from None
        except (KeyError, TypeError, AttributeError):
            raise Failure(f"{where}: malformed checkpoint") from None
        if origin is not None and note_origin != origin:
            raise Failure(f"{where}: signed for origin {note_origin!r}, not {origin!r}")
        if size != checkpoint.get("size") or root != _hex(checkpoint.get("root_hash"), where):
            raise Failure(f"{where}: its size or root hash differs from what its note signs")
        if size in by_size and by_size[size] != root:
            raise Failure(f"{where}: two signed checkpoints of this size differ (a forked log)")
        if size <= first_index:
            raise Failure(f"{where}: ends before the export's first entry")
        if size > last_seq:
            raise Failure(
                f"{where}: covers {size} entries but the export ends at seq {last_seq} (entries at the end missing)"
            )
        by_size[size] = root
    return by_size


def _check_consistency(export, by_size):
    proofs = {
        (p.get("from"), p.get("to")): p.get("proof") for p in export.get("consistency") or [] if isinstance(p, dict)
    }
    sizes = sorted(by_size)
    for first, second in itertools.pairwise(sizes):
        where = f"checkpoint size={second}"
        proof = proofs.get((first, second))
        if not isinstance(proof, list):
            raise Failure(f"{where}: no consistency proof from checkpoint size={first}")
        path = [_hex(value, f"{where}: consistency proof") for value in proof]
        if not verify_consistency(first, second, by_size[first], by_size[second], path):
            raise Failure(f"{where}: not consistent with checkpoint size={first} (history rewritten)")


def verify(export, keys):
    """(entries, checkpoints) counted; raises Failure naming the first problem."""
    if not isinstance(export, dict) or not isinstance(export.get("entries"), list):
        raise Failure("not an audit export (no entries list): export with ?file_format=json")
    entries = export["entries"]
    tree_info = export.get("tree") or {"first_index": (entries[0].get("seq", 1) - 1) if entries else 0, "prefix": []}
    first_index = tree_info.get("first_index")
    if not isinstance(first_index, int) or first_index < 0:
        raise Failure("the export's tree prefix is malformed")
    leaves = _check_entries(entries, first_index)
    last_seq = first_index + len(leaves)
    by_size = _check_checkpoints(export, keys, first_index, last_seq)
    tree = Tree(first_index, [_hex(value, "tree prefix") for value in tree_info.get("prefix") or []])
    for leaf in leaves:
        tree.append(leaf)
        if tree.size in by_size and tree.root() != by_size[tree.size]:
            entry = entries[tree.size - first_index - 1]
            raise Failure(
                f"checkpoint size={tree.size}: its root is not the tree of the entries "
                f"(entries up to id={entry.get('id')} seq={entry.get('seq')} altered, or the checkpoint forged)"
            )
    _check_consistency(export, by_size)
    return len(entries), len(by_size)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="the JSON export (GET /api/v1/audit-logs/export/?file_format=json)")
    parser.add_argument("--key", required=True, help="file holding the base64 Ed25519 public key(s)")
    args = parser.parse_args(argv)
    try:
        with open(args.key, encoding="ascii") as handle:
            keys = load_keys(handle.read())
        with open(args.export, encoding="utf-8") as handle:
            export = json.load(handle)
        entries, checkpoints = verify(export, keys)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"FAIL cannot read: {exc}", file=sys.stderr)
        return 1
    except Failure as exc:
        print(f"FAIL {exc}")
        return 1
    print(f"OK {entries} entries, {checkpoints} checkpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
