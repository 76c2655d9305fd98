"""Hypothesis: any modification, deletion, insertion or reordering done directly in the
database, as a superuser with the triggers disabled, is caught by verify_audit_chain.

Entries (audit_auditlog) and their links (audit_auditchainlink) are tampered with alike.
Not in here, because no hash chain can tell: cutting the chain's tail (the last entries
and their links together) is caught by a signed checkpoint beyond it (test below), and a
well-formed entry appended at the end is what anyone allowed to INSERT could add.
"""

import pytest
from django.db import connection, transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import chain
from audit.models import AuditLog
from audit.verify import verify_chain
from compliance.tests.factories import RuleFactory

CHAIN_LENGTH = 12

TEXT_FIELDS = (
    "action",
    "actor_username",
    "object_id",
    "object_repr",
    "message",
    "request_id",
    "user_agent",
    "session_hash",
    "impact_level",
    "source",
)
LINK_FIELDS = ("prev_hash", "entry_hash")


class _Rollback(Exception):
    pass


def _tampered(statements):
    """Apply raw SQL with triggers off, verify, roll everything back; return the verdict."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for sql, params in statements:
                cursor.execute(sql, params)
            result = verify_chain()
            raise _Rollback(result)
    except _Rollback as outcome:
        return outcome.args[0]


def _rows():
    links = {name: F(f"link__{name}") for name in ("seq", *LINK_FIELDS)}
    return list(AuditLog.objects.order_by("link__seq").values("id", "content_hash", *chain.CONTENT_FIELDS, **links))


modification = st.tuples(
    st.just("modify"),
    st.integers(0, CHAIN_LENGTH - 1),
    st.sampled_from(
        TEXT_FIELDS + LINK_FIELDS + ("content_hash", "changes", "timestamp", "ip_address", "actor_id", "seq")
    ),
    st.text(alphabet="abcdefXYZ019 ", min_size=1, max_size=8),
)
deletion = st.tuples(st.just("delete"), st.integers(0, CHAIN_LENGTH - 1), st.sampled_from(["entry", "link", "both"]))
insertion = st.tuples(
    st.just("insert"), st.integers(0, CHAIN_LENGTH - 1), st.sampled_from(["unsealed", "naive", "relinked"])
)
reorder = st.tuples(
    st.just("reorder"),
    st.integers(0, CHAIN_LENGTH - 1),
    st.integers(0, CHAIN_LENGTH - 1),
    st.sampled_from(["seq", "content"]),
)


def _statements(op, rows):
    kind = op[0]
    if kind == "modify":
        _, index, field, text = op
        row = rows[index]
        if field == "changes":
            return [
                (
                    "UPDATE audit_auditlog SET changes = changes || %s::jsonb WHERE id = %s",
                    ['{"%s": [null, 1]}' % text.strip().replace(" ", "_") or "k", row["id"]],
                )
            ]
        if field == "timestamp":
            return [
                (
                    "UPDATE audit_auditlog SET timestamp = timestamp - interval '1 microsecond' WHERE id = %s",
                    [row["id"]],
                )
            ]
        if field == "ip_address":
            value = "203.0.113.9" if row["ip_address"] != "203.0.113.9" else "203.0.113.10"
            return [("UPDATE audit_auditlog SET ip_address = %s WHERE id = %s", [value, row["id"]])]
        if field == "actor_id":
            return [("UPDATE audit_auditlog SET actor_id = coalesce(actor_id, 0) + 1 WHERE id = %s", [row["id"]])]
        if field == "seq":
            return [("UPDATE audit_auditchainlink SET seq = seq + 1000000 WHERE entry_id = %s", [row["id"]])]
        limit = 10 if field in ("impact_level", "source") else 64
        value = (text + str(row[field]))[:limit]
        if value == row[field]:
            value = ("#" + value)[:limit]
        table, key = ("audit_auditchainlink", "entry_id") if field in LINK_FIELDS else ("audit_auditlog", "id")
        return [(f"UPDATE {table} SET {field} = %s WHERE {key} = %s", [value, row["id"]])]
    if kind == "delete":
        _, index, what = op
        if what == "both" and index == len(rows) - 1:
            index -= 1  # the tail with its link: the checkpoint's job (see the module docstring)
        entry, link = (
            ("DELETE FROM audit_auditlog WHERE id = %s", [rows[index]["id"]]),
            ("DELETE FROM audit_auditchainlink WHERE entry_id = %s", [rows[index]["id"]]),
        )
        return {"entry": [entry], "link": [link], "both": [entry, link]}[what]
    if kind == "insert":
        _, index, how = op
        template = rows[index]
        content = chain.content_hash({**template, "message": "forged"})
        forged = [
            (
                "INSERT INTO audit_auditlog (timestamp, actor_id, actor_username, action, content_type_id, object_id, "
                "object_repr, changes, impact_level, request_id, ip_address, user_agent, session_hash, source, "
                "message, content_hash) SELECT timestamp, actor_id, actor_username, action, content_type_id, "
                "object_id, object_repr, changes, impact_level, request_id, ip_address, user_agent, session_hash, "
                "source, 'forged', %s FROM audit_auditlog WHERE id = %s",
                [content, template["id"]],
            )
        ]
        link = (
            "INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, entry_hash) "
            "SELECT %s, max(id), %s, %s FROM audit_auditlog WHERE message = 'forged'"
        )
        if how == "unsealed":
            return forged
        if how == "naive":  # linked after the last entry, with a made-up hash
            return [*forged, (link, [rows[-1]["seq"] + 1, rows[-1]["entry_hash"], "0" * 64])]
        # "relinked": spliced in at `index`, correctly linked to the entry before it; the later
        # links are renumbered to make room
        seq = template["seq"]
        prev = rows[index - 1]["entry_hash"] if index else template["prev_hash"]
        return [
            *forged,
            ("UPDATE audit_auditchainlink SET seq = -(seq + 1) WHERE seq >= %s", [seq]),
            ("UPDATE audit_auditchainlink SET seq = -seq WHERE seq < 0", []),
            (link, [seq, prev, chain.link_hash(prev, seq, content)]),
        ]
    _, i, j, what = op
    if i == j:
        j = (i + 1) % len(rows)
    a, b = rows[i], rows[j]
    if what == "seq":
        return [
            ("UPDATE audit_auditchainlink SET seq = -1 WHERE entry_id = %s", [a["id"]]),
            ("UPDATE audit_auditchainlink SET seq = %s WHERE entry_id = %s", [a["seq"], b["id"]]),
            ("UPDATE audit_auditchainlink SET seq = %s WHERE entry_id = %s", [b["seq"], a["id"]]),
        ]
    # swap the recorded content (and its hash) of two entries, keeping the link fields in place
    return [
        (
            "UPDATE audit_auditlog SET message = %s, object_repr = %s, action = %s, content_hash = %s, "
            "changes = %s::jsonb WHERE id = %s",
            [b["message"], b["object_repr"], b["action"], b["content_hash"], _json(b["changes"]), a["id"]],
        ),
        (
            "UPDATE audit_auditlog SET message = %s, object_repr = %s, action = %s, content_hash = %s, "
            "changes = %s::jsonb WHERE id = %s",
            [a["message"], a["object_repr"], a["action"], a["content_hash"], _json(a["changes"]), b["id"]],
        ),
    ]


def _json(value):
    import json

    return json.dumps(value)


@pytest.fixture
def committed_chain(transactional_db):
    """A committed chain of distinct entries (transactional: the seal runs at commit)."""
    from audit.context import audit_context

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditlog, audit_auditchainlink, audit_auditcheckpoint")
    with audit_context(source="api", request_id="tamper", ip_address="198.51.100.7", user_agent="ua"):
        rule = RuleFactory(name="tamper rule", tags=["x"])
        while AuditLog.objects.count() < CHAIN_LENGTH:
            rule.name = f"tamper rule {AuditLog.objects.count()}"
            rule.save()
    assert verify_chain().ok
    return _rows()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.one_of(modification, deletion, insertion, reorder))
def test_every_tampering_is_detected(committed_chain, op):
    rows = committed_chain  # at least CHAIN_LENGTH entries; the ops index the first ones
    result = _tampered(_statements(op, rows))
    assert not result.ok, f"undetected: {op}"
    assert verify_chain().ok  # rolled back: the real chain is intact


def test_cutting_the_tail_is_caught_by_a_signed_checkpoint_beyond_the_cut(committed_chain):
    from audit.services import create_checkpoint

    create_checkpoint()
    last = committed_chain[-1]
    result = _tampered(
        [
            ("DELETE FROM audit_auditlog WHERE id = %s", [last["id"]]),
            ("DELETE FROM audit_auditchainlink WHERE entry_id = %s", [last["id"]]),
        ]
    )
    assert not result.ok and "beyond the last entry" in " ".join(result.problems)
