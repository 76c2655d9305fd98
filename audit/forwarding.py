"""Forwarding the audit trail to a SIEM: OCSF events over syslog, from the chain as the outbox.

No outbox table is needed, and the audit write path pays nothing for it: every entry is
in the chain exactly when its transaction committed, numbered in commit order, so the
forwarder reads links past its cursor (AuditForwardCursor) and advances the cursor after
each batch is delivered. A crash between delivery and the cursor's commit resends that
batch (at least once, in order); a transaction that rolled back left no entry to send.
"""

import logging
import socket

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F

from . import chain, ocsf, syslog
from .models import AuditChainLink, AuditForwardCursor

logger = logging.getLogger(__name__)
SYSLOG = "syslog"
BATCH = 200
_FIELDS = ("id", *chain.CONTENT_FIELDS)


def _label(content_type_id):
    if content_type_id is None:
        return None
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def pending(after, limit):
    """Entry dicts (with seq, entry_hash, content_type) of the links after seq `after`, in chain order."""
    rows = (
        AuditChainLink.objects.filter(seq__gt=after)
        .order_by("seq")
        .values("seq", "entry_hash", **{name: F(f"entry__{name}") for name in _FIELDS})[:limit]
    )
    out = []
    for row in rows:
        if row["id"] is None:  # the entry was purged: its link marks the cut only
            continue
        row["content_type"] = _label(row["content_type_id"])
        out.append(row)
    return out, (rows[len(rows) - 1]["seq"] if rows else after)


def syslog_message(entry):
    event = ocsf.event_for(entry)
    return syslog.format_message(
        facility=settings.AUDIT_SYSLOG_FACILITY,
        severity=syslog.SEVERITY.get(entry["impact_level"], 6),
        timestamp=entry["timestamp"],
        hostname=settings.AUDIT_SYSLOG_HOSTNAME or socket.gethostname(),
        msgid=str(event["class_uid"]),
        sd_id=settings.AUDIT_SYSLOG_SD_ID,
        params=[("seq", entry["seq"]), ("entry_hash", entry["entry_hash"]), ("ocsf_version", ocsf.VERSION)],
        msg=ocsf.dumps(event),
    )


def _sender():
    return syslog.Sender(
        settings.AUDIT_SYSLOG_HOST,
        settings.AUDIT_SYSLOG_PORT,
        use_tls=settings.AUDIT_SYSLOG_TLS,
        ca_file=settings.AUDIT_SYSLOG_CA_FILE,
        timeout=settings.AUDIT_SYSLOG_TIMEOUT,
    )


def forward_syslog(*, max_batches=50):
    """Send the entries the collector has not had yet; the number sent (0 when none is configured).

    Each batch: lock the cursor, read, send, advance, commit. An error leaves the cursor
    where the last delivered batch put it (recorded in last_error) and raises.
    """
    if not settings.AUDIT_SYSLOG_HOST:
        return 0
    AuditForwardCursor.objects.get_or_create(name=SYSLOG)
    sent = 0
    try:
        with _sender() as sender:
            for _ in range(max_batches):
                with transaction.atomic():
                    cursor = AuditForwardCursor.objects.select_for_update().get(name=SYSLOG)
                    entries, through = pending(cursor.last_seq, BATCH)
                    if through == cursor.last_seq:
                        break
                    for entry in entries:
                        sender.send(syslog_message(entry))
                    cursor.last_seq, cursor.last_error = through, ""
                    cursor.save(update_fields=["last_seq", "last_error", "updated_at"])
                sent += len(entries)
    except OSError as exc:  # the batch's transaction is rolled back: its cursor did not move
        text = f"{type(exc).__name__}: {exc}"[:2000]
        logger.warning("syslog forwarding stopped after %d entries: %s", sent, text)
        AuditForwardCursor.objects.filter(name=SYSLOG).update(last_error=text)
        raise
    return sent


# --- event types, for webhooks ----------------------------------------------------------
_namers = {}


def register_event_namer(content_type_label, namer):
    """`namer(entry)` returns domain event names for entries about that type (e.g. "finding.resolved").

    Registered by the app that owns the type; audit knows none.
    """
    _namers.setdefault(content_type_label, []).append(namer)


def event_types(entry):
    """The names an entry answers to: "app.model.action" (or the bare action), then any domain events."""
    label = entry.get("content_type")
    names = [f"{label}.{entry['action']}" if label else entry["action"]]
    for namer in _namers.get(label, ()):
        names.extend(namer(entry))
    return names


def matches(patterns, names):
    """Whether a subscription's patterns ("*", an exact name, "prefix.*") take any of `names`."""
    for pattern in patterns:
        if pattern == "*":
            return True
        for name in names:
            if name == pattern or (pattern.endswith(".*") and name.startswith(pattern[:-1])):
                return True
    return False


def entry_payload(entry):
    """The entry as plain JSON data (webhook bodies)."""
    data = {key: value for key, value in entry.items() if key != "content_type_id"}
    data["timestamp"] = chain.utc_text(entry["timestamp"])
    return data


def last_seq():
    """The seq of the end of the chain (0 when empty)."""
    return chain.last_link()[0]
