"""The hash chain: canonical content hashes, links, appends and signed checkpoints.

content_hash = sha256(canonical JSON of an entry's recorded fields)
entry_hash   = sha256(prev_hash + ":" + seq + ":" + content_hash)

The link (AuditChainLink) is written once and never updated. On PostgreSQL the deferred
trigger `audit_seal` (audit/sql.py) writes it at commit, under an advisory lock held only
while a transaction commits, so writers never wait on each other's business logic and
cannot deadlock on it. Other databases (SQLite, embedded mode) serialise writers anyway,
so the link is made here at insert time.
"""

import hashlib
import hmac
import ipaddress
import json
import math
import operator
from datetime import UTC
from json.encoder import c_make_encoder, encode_basestring_ascii

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, router, transaction
from django.db.models.signals import post_save

from . import sql
from .models import AuditChainLink, AuditLog

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


_PLAIN = frozenset({str, int, bool, type(None)})
_ENCODER = DjangoJSONEncoder()


def json_safe(value):
    """`value` as plain JSON data that survives a round trip through PostgreSQL jsonb unchanged.

    jsonb prints numbers without exponents, so an integral float (1e16) comes back as an
    int; integral floats are stored as ints up front. NaN/Infinity are not JSON at all.
    Every audit entry passes through here: exact built-in types take a fast path;
    subclasses (enum members, OrderedDict, ...) the general one, and what JSON has no
    type for (datetimes, decimals, UUIDs, lazy strings) becomes what DjangoJSONEncoder
    writes for it.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {
            key if type(key) is str else str(key): item if type(item) in _PLAIN else json_safe(item)
            for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _PLAIN else json_safe(item) for item in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (str, int)):
        return value
    # The encoder's own conversion, without a dumps/loads round trip per value; it raises
    # TypeError for what it cannot write, as json.dumps would.
    return json_safe(_ENCODER.default(value))


def _canonical_ip(value):
    return ipaddress.ip_address(value).exploded if value else None


def _make_dumps():
    """Sorted-key, compact, ASCII-only JSON text of plain data (what json_safe returns).

    JSONEncoder.encode builds a new C encoder on every call, which costs more than
    encoding a small dict: this one is built once. No check for cycles: json_safe,
    which every value has been through, would have recursed without end first.
    """
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    if c_make_encoder is None:  # a Python without the json C accelerator
        return encoder.encode
    # markers (None: no cycle check), default, string encoder, indent, key and item
    # separators, sort_keys, skipkeys, allow_nan: what encoder.encode would pass.
    iterencode = c_make_encoder(None, encoder.default, encode_basestring_ascii, None, ":", ",", True, False, True)
    return lambda value: "".join(iterencode(value, 0))


_dumps = _make_dumps()


def _scalar(value):
    """One recorded field's JSON text, as _dumps writes it."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return _dumps(value)


# The canonical text is the sorted-key JSON object of CONTENT_FIELDS. It is filled in from
# a template, field by field, rather than by encoding a dict: the JSON encoder's set-up
# cost more than the fields. The changes' JSON text is needed for the INSERT anyway, so
# it is made only once per entry.
_SORTED = sorted(CONTENT_FIELDS)
_TEMPLATE = "{" + ",".join(f"{encode_basestring_ascii(name)}:%s" for name in _SORTED) + "}"
_OWN_FORM = ("changes", "ip_address", "timestamp")  # in sorted order, each with a form of its own
_AT = tuple(_SORTED.index(name) for name in _OWN_FORM)
_pick_plain = operator.itemgetter(*(name for name in _SORTED if name not in _OWN_FORM))


def utc_text(timestamp):
    """An aware datetime as the ISO 8601 text of its UTC time, as the canonical text has it."""
    if timestamp.tzinfo is not UTC:
        timestamp = timestamp.astimezone(UTC)
    return timestamp.isoformat()


def canonical_text(values, changes_text=None, timestamp_text=None):
    """The recorded fields of one entry (a mapping: field values or a row) as canonical JSON.

    `changes_text` is `_dumps(json_safe(values["changes"]))` and `timestamp_text` is
    `utc_text(values["timestamp"])`, when the caller has them already.
    """
    if changes_text is None:
        changes_text = _dumps(json_safe(values["changes"]))
    if timestamp_text is None:
        timestamp_text = utc_text(values["timestamp"])
    parts = list(map(_scalar, _pick_plain(values)))
    # Ascending positions: each insert lands where the sorted order puts it.
    parts.insert(_AT[0], changes_text)
    parts.insert(_AT[1], _scalar(_canonical_ip(values["ip_address"])))
    parts.insert(_AT[2], encode_basestring_ascii(timestamp_text))
    return _TEMPLATE % tuple(parts)


# hashlib.sha256() looks the algorithm up in OpenSSL on every call; a copy of a blank
# hasher does not.
_BLANK_SHA256 = hashlib.sha256()


def content_hash(values, changes_text=None, timestamp_text=None):
    """SHA-256 of the recorded fields of one entry."""
    hasher = _BLANK_SHA256.copy()
    hasher.update(canonical_text(values, changes_text, timestamp_text).encode())
    return hasher.hexdigest()


def link_hash(prev_hash, seq, entry_content_hash):
    return hashlib.sha256(f"{prev_hash}:{seq}:{entry_content_hash}".encode()).hexdigest()


def append(values):
    """Write the entry with these field values as the next link of the chain; the saved AuditLog.

    `values` maps every CONTENT_FIELDS name to plain data (str, int, None, an aware
    datetime; `changes` already through json_safe).
    """
    # The JSON of the changes and the UTC text of the timestamp are made once, for the
    # hash and for the row.
    texts = {"changes": _dumps(values["changes"]), "timestamp": utc_text(values["timestamp"])}
    entry = AuditLog.from_values(values, content_hash=content_hash(values, texts["changes"], texts["timestamp"]))
    alias = router.db_for_write(AuditLog)
    conn = connections[alias]
    if conn.vendor == "postgresql":
        return _insert(entry, texts, alias, conn)  # linked by the audit_seal trigger at commit
    # One transaction (on SQLite it takes the write lock at BEGIN): no two writers read
    # the same last link, even in autocommit.
    with transaction.atomic(using=alias, savepoint=False):
        _insert(entry, {"changes": texts["changes"]}, alias, conn)  # the datetime goes through its field
        seq, prev_hash = last_link(using=alias)
        seq += 1
        AuditChainLink.objects.using(alias).create(
            seq=seq, entry_id=entry.pk, prev_hash=prev_hash, entry_hash=link_hash(prev_hash, seq, entry.content_hash)
        )
    return entry


def last_link(using=None):
    """(seq, entry_hash) of the end of the chain; (0, "") before the first entry."""
    last = AuditChainLink.objects.using(using).order_by("-seq").values_list("seq", "entry_hash").first()
    return last or (0, "")


_INSERT = {}
# For SQLite, plain values of plain columns go to the driver as they are and anything else
# through the field's own get_db_prep_save. The changes go as their JSON text, which a JSON
# column takes as it is.
_AS_IS = frozenset({"CharField", "TextField", "BigIntegerField", "IntegerField", "ForeignKey", "JSONField"})
_DRIVER_TYPES = frozenset({str, int, type(None)})


def _insert_statement(model, conn):
    """(SQL writing one entry and returning its id, a function of (field values, connection) to its parameters)."""
    if conn.vendor == "postgresql":
        # Through the PL/pgSQL function (audit/sql.py), which the server plans once per
        # session. psycopg takes every value record_event makes as it is (an IP address as
        # text, which the inet parameter parses; the timestamp as its UTC text, which the
        # timestamptz parameter parses): one C-level lookup per entry. Measured
        # against one JSON parameter for json_populate_record(), the driver's work that
        # saves (30 µs) was less than the server's extra work (70-100 µs).
        names = [name for name, _ in sql.ENTRY_COLUMNS]
        pick = operator.itemgetter(*names)
        return f"SELECT audit_insert_entry({', '.join(['%s'] * len(names))})", lambda values, _conn: pick(values)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    statement = (
        f"INSERT INTO {conn.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders}) "
        f"RETURNING {conn.ops.quote_name(model._meta.pk.column)}"
    )
    prepare = [(f.attname, f.get_internal_type() in _AS_IS, f.get_db_prep_save) for f in fields]

    def params(values, conn):
        out = []
        for attname, as_is, prep in prepare:
            value = values[attname]
            out.append(value if as_is and type(value) in _DRIVER_TYPES else prep(value, conn))
        return out

    return statement, params


def _insert(entry, texts, alias, conn):
    """One statement instead of Model.save(): the ORM's insert pipeline was half the cost of
    an audit entry, and every audited write pays it. post_save is still sent."""
    model = type(entry)
    statement = _INSERT.get(alias)
    if statement is None:
        statement = _INSERT[alias] = _insert_statement(model, conn)
    text, make_params = statement
    params = make_params({**entry.__dict__, **texts}, conn)
    if conn.in_atomic_block and hasattr(conn, "defer_audit_insert"):
        # Sent with the COMMIT or before the transaction's next statement, whichever
        # comes first (audit/backends/postgresql); entry.pk is set then.
        conn.defer_audit_insert(text, params, entry)
    else:
        with conn.cursor() as cursor:
            cursor.execute(text, params)
            entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = alias
    post_save.send(sender=model, instance=entry, created=True, update_fields=None, raw=False, using=alias)
    return entry


def seal_pending():
    """Seal this transaction's entries now (PostgreSQL defers that to commit).

    Needed only where the transaction will never commit, e.g. a test wrapped in a rollback.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS audit_seal IMMEDIATE")
            cursor.execute("SET CONSTRAINTS audit_seal DEFERRED")


# --- checkpoints ------------------------------------------------------------------------
def _hmac_key():
    key = getattr(settings, "AUDIT_CHECKPOINT_HMAC_KEY", None)
    if not key:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_HMAC_KEY is not set: audit checkpoints cannot be signed.")
    return key.encode()


def checkpoint_message(seq, entry_hash, created_at):
    return f"{seq}:{entry_hash}:{created_at.astimezone(UTC).isoformat()}"


def sign_checkpoint(seq, entry_hash, created_at):
    return hmac.new(_hmac_key(), checkpoint_message(seq, entry_hash, created_at).encode(), hashlib.sha256).hexdigest()


def checkpoint_signature_ok(seq, entry_hash, created_at, signature):
    return hmac.compare_digest(sign_checkpoint(seq, entry_hash, created_at), signature)
