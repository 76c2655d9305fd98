"""The hash chain: canonical content hashes, links, appends and signed checkpoints.

content_hash = sha256(canonical JSON of an entry's recorded fields)
entry_hash   = sha256(prev_hash + ":" + seq + ":" + content_hash)

On PostgreSQL the link is made by the deferred trigger `audit_seal` (audit/sql.py) at
commit, under a row lock on AuditChainHead: the head is held only while a transaction
commits, so writers never wait on each other's business logic and cannot deadlock on it.
Other databases (SQLite, embedded mode) serialise writers anyway, so the link is made
here at insert time.
"""
import hashlib
import hmac
import ipaddress
import json
import math
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, router

CONTENT_FIELDS = (
    "timestamp", "actor_id", "actor_username", "action", "content_type_id", "object_id", "object_repr",
    "changes", "impact_level", "request_id", "ip_address", "user_agent", "session_hash", "source", "message",
)


_PLAIN = frozenset({str, int, bool, type(None)})


def json_safe(value):
    """`value` as plain JSON data that survives a round trip through PostgreSQL jsonb unchanged.

    jsonb prints numbers without exponents, so an integral float (1e16) comes back as an
    int; integral floats are stored as ints up front. NaN/Infinity are not JSON at all.
    Every audit entry passes through here more than once: exact built-in types take a
    fast path; subclasses (enum members, OrderedDict, ...) the general one.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {key if type(key) is str else str(key): item if type(item) in _PLAIN else json_safe(item)
                for key, item in value.items()}
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
    if isinstance(value, (str, int, bool)):
        return value
    return json_safe(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))


def _canonical_ip(value):
    return ipaddress.ip_address(value).exploded if value else None


def content_hash(values):
    """SHA-256 of the recorded fields of one entry, given as a mapping (instance or row)."""
    timestamp = values["timestamp"].astimezone(dt_timezone.utc).isoformat()
    canonical = {name: values[name] for name in CONTENT_FIELDS}
    canonical["timestamp"] = timestamp
    canonical["ip_address"] = _canonical_ip(values["ip_address"])
    canonical["changes"] = json_safe(values["changes"])
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def link_hash(prev_hash, seq, entry_content_hash):
    return hashlib.sha256(f"{prev_hash}:{seq}:{entry_content_hash}".encode()).hexdigest()


def append(entry):
    """Insert `entry` (an unsaved AuditLog) as the next link of the chain."""
    entry.content_hash = content_hash(vars(entry))
    if connection.vendor == "postgresql":
        return _insert(entry)  # sealed by the audit_seal trigger at commit
    from .models import AuditChainHead

    head = _head_for_update(AuditChainHead)
    entry.seq = head.seq + 1
    entry.prev_hash = head.last_hash
    entry.entry_hash = link_hash(entry.prev_hash, entry.seq, entry.content_hash)
    _insert(entry)
    AuditChainHead.objects.filter(pk=1).update(seq=entry.seq, prev_hash=entry.prev_hash, last_hash=entry.entry_hash)
    return entry


_INSERT = {}
# Plain values of plain columns go to the driver as they are; anything else (JSON, IP
# addresses, a lazy string) through the field's own get_db_prep_save.
_AS_IS = frozenset({"CharField", "TextField", "DateTimeField", "BigIntegerField", "IntegerField", "ForeignKey"})
_DRIVER_TYPES = frozenset({str, int, type(None), datetime})


def _insert_statement(model, conn):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (f"INSERT INTO {conn.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders}) "
           f"RETURNING {conn.ops.quote_name(model._meta.pk.column)}")
    prepare = [(f.attname, f.get_internal_type() in _AS_IS, f.get_db_prep_save) for f in fields]
    return sql, prepare


def _insert(entry):
    """One prepared INSERT instead of Model.save(): the ORM's insert pipeline was half the
    cost of an audit entry, and every audited write pays it. post_save is still sent."""
    from django.db.models.signals import post_save

    model = type(entry)
    alias = router.db_for_write(model)
    conn = connections[alias]
    statement = _INSERT.get(alias)
    if statement is None:
        statement = _INSERT[alias] = _insert_statement(model, conn)
    sql, prepare = statement
    values = entry.__dict__
    params = []
    for attname, as_is, prep in prepare:
        value = values[attname]
        params.append(value if as_is and type(value) in _DRIVER_TYPES else prep(value, conn))
    if conn.in_atomic_block and hasattr(conn, "defer_audit_insert"):
        # Sent with the COMMIT or before the transaction's next statement, whichever
        # comes first (audit/backends/postgresql); entry.pk is set then.
        conn.defer_audit_insert(sql, params, entry)
    else:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = alias
    post_save.send(sender=model, instance=entry, created=True, update_fields=None, raw=False, using=alias)
    return entry


def _head_for_update(head_model):
    from .models import AuditLog

    head = head_model.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # Missing (a fresh or flushed database): continue from the last sealed entry.
        last = AuditLog.objects.exclude(seq=None).order_by("-seq").values_list("seq", "entry_hash").first()
        seq, last_hash = last or (0, "")
        head, _ = head_model.objects.get_or_create(pk=1, defaults={"seq": seq, "last_hash": last_hash})
    return head


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
    return f"{seq}:{entry_hash}:{created_at.astimezone(dt_timezone.utc).isoformat()}"


def sign_checkpoint(seq, entry_hash, created_at):
    return hmac.new(_hmac_key(), checkpoint_message(seq, entry_hash, created_at).encode(), hashlib.sha256).hexdigest()


def checkpoint_signature_ok(seq, entry_hash, created_at, signature):
    return hmac.compare_digest(sign_checkpoint(seq, entry_hash, created_at), signature)
