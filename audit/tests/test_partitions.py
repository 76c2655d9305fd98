"""The audit log in time partitions (PostgreSQL): the migration converts a populated, chained
table without changing an entry or a link, every partition keeps the append-only triggers
and the seal, and retention drops a whole partition leaving a signed checkpoint at the cut,
a chain that verifies, and a transparency tree that still grows."""

import importlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from audit import chain, partitioning, transparency
from audit.models import AuditChainLink, AuditCheckpoint, AuditLog
from audit.services import purge_audit_log, record_event
from audit.tests.entries import system_entry as entry
from audit.verify import verify_chain
from common import partitions

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's")
REFUSED = (InternalError, ProgrammingError, IntegrityError)
TABLE = partitioning.TABLE
MIGRATION = importlib.import_module("audit.migrations.0011_partition_audit_log")


def month_start(at):
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def triggers(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [name])
        return {row[0] for row in cursor.fetchall()}


ALL_TRIGGERS = {"audit_log_no_update", "audit_log_no_delete", "audit_log_no_truncate", "audit_seal"}


@pytest.mark.django_db
def test_every_partition_has_the_triggers_a_new_one_too_and_refuses_changes(sealed):
    assert partitions.is_partitioned(TABLE)
    old = month_start(timezone.now() - timedelta(days=500)) + timedelta(days=3)
    created = partitions.ensure_partitions(TABLE, old, old)
    assert created == [partitions.partition_name(TABLE, month_start(old))]
    for part in partitions.partitions(TABLE):
        assert triggers(part.name) == ALL_TRIGGERS, part.name
    with connection.cursor() as cursor:
        # Nothing points at entries by a foreign key (links and the tree know them by id and seq).
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass", [TABLE])
        assert cursor.fetchone()[0] == 0
    written = entry(old, "into a new partition")
    sealed()
    assert AuditChainLink.objects.get(entry_id=written.pk).seq == chain.last_link()[0]
    for statement in (
        f"UPDATE {created[0]} SET message = 'x'",
        f"DELETE FROM {created[0]}",
        "UPDATE audit_auditlog SET message = 'x'",
    ):
        refused = pytest.raises(REFUSED, match=r"append-only: \w+ on audit_auditlog refused")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL audit.enforce_truncate = 'on'")
        cursor.execute(f"TRUNCATE {created[0]}")  # one partition, not the table: its own trigger
    assert verify_chain().ok
    out = io.StringIO()
    call_command("partitions", "split", "--table", TABLE, stdout=out)
    assert "not split" in out.getvalue()


@pytest.mark.django_db
def test_entries_in_the_default_partition_are_never_moved_out(client, sealed):
    stray = month_start(timezone.now() - timedelta(days=900)) + timedelta(days=1)
    written = entry(stray, "no partition for its month")
    sealed()
    assert client.get("/healthz").json()["partition_default_rows"][TABLE] == 1
    link = AuditChainLink.objects.get(entry_id=written.pk)
    with pytest.raises(ValueError, match="cannot be moved"):
        partitions.ensure_partitions(TABLE, stray, stray)  # the move would seal it again
    assert partitions.create_ahead(stray)[TABLE] == []  # logged; the other tables still get theirs
    assert AuditChainLink.objects.get(entry_id=written.pk) == link and chain.last_link()[0] == link.seq
    assert client.get("/healthz").json()["partition_default_rows"][TABLE] == 1


def _plain_table_as_0010_left_it():
    """The partitioned table's rows put back into the plain table migration 0010 left, with
    its triggers (this test's transaction is rolled back)."""
    columns = ", ".join(f'"{f.column}"' for f in AuditLog._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE entries_copy AS SELECT {columns} FROM {TABLE}")
        cursor.execute(f"DROP TABLE {TABLE} CASCADE")
    state = MigrationLoader(connection).project_state(("audit", "0010_syslog_cursor_and_tsa_tokens"))
    with connection.schema_editor() as editor:
        editor.create_model(state.apps.get_model("audit", "AuditLog"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # put back, not sealed again
        cursor.execute(f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM entries_copy")
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), (SELECT max(id) FROM {TABLE}))")
        from audit import sql

        cursor.execute(sql.PG_LOG_TRIGGERS)
    assert not partitions.is_partitioned(TABLE)


def snapshot():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TABLE} ORDER BY id")
        entries = cursor.fetchall()
        cursor.execute("SELECT * FROM audit_auditchainlink ORDER BY seq")
        return entries, cursor.fetchall()


@pytest.mark.django_db
def test_the_migration_converts_a_populated_chained_table_without_changing_an_entry(sealed):
    now = timezone.now()
    for i in range(30):  # about 15 months of entries, and some of today's
        entry(now - timedelta(days=i * 15, minutes=i), f"entry {i}")
    record_event(action="custom_event", message="today")
    sealed()
    assert verify_chain().ok
    _plain_table_as_0010_left_it()
    before = snapshot()
    with connection.schema_editor() as editor:
        MIGRATION.partition_audit_log(None, editor)
    assert partitions.is_partitioned(TABLE)
    assert snapshot() == before
    for part in partitions.partitions(TABLE):
        assert triggers(part.name) == ALL_TRIGGERS, part.name
    legacy = next(p for p in partitions.partitions(TABLE) if p.name.endswith("_legacy"))
    assert legacy.lower <= month_start(now - timedelta(days=29 * 15))
    # The chain carries on: the next entry is sealed after the last one, and all of it verifies.
    last_seq = chain.last_link()[0]
    new = record_event(action="custom_event", message="after the migration")
    sealed()
    assert new.pk == before[0][-1][0] + 1 and AuditChainLink.objects.get(entry_id=new.pk).seq == last_seq + 1
    assert verify_chain().ok
    with pytest.raises(ValueError, match="not split"):
        partitions.split_oldest(TABLE)  # moving entries would seal them again


@pytest.fixture
def old_month(settings):
    """Retention 30 days, a fresh chain, and a partition of a month wholly past it."""
    settings.AUDIT_RETENTION_DAYS = 30
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditlog, audit_auditchainlink, audit_auditcheckpoint")
    lower = month_start(timezone.now() - timedelta(days=75))
    partitions.ensure_partitions(TABLE, lower, lower)
    return lower, partitions.next_start(lower)


def kept_partitions():
    return {p.name for p in partitions.partitions(TABLE)}


@pytest.mark.django_db(transaction=True)
def test_retention_drops_the_partition_cuts_after_its_last_entry_and_the_chain_verifies(old_month):
    lower, upper = old_month
    name = partitions.partition_name(TABLE, lower)
    for i in range(3):
        entry(lower + timedelta(days=1, minutes=i), f"old {i}")
    # A straggler: written just after the boundary, committed before the month's last entry.
    straggler = entry(upper + timedelta(seconds=1), "just after the boundary")
    last = entry(upper - timedelta(seconds=1), "committed last")
    recent = [entry(timezone.now(), f"recent {i}", action="recent_event") for i in range(2)]
    assert name in kept_partitions()
    cut = AuditChainLink.objects.get(entry_id=last.pk).seq
    assert AuditChainLink.objects.get(entry_id=straggler.pk).seq < cut
    assert purge_audit_log() == 5
    assert name not in kept_partitions()
    assert set(AuditLog.objects.exclude(action="audit_purge").values_list("pk", flat=True)) == {e.pk for e in recent}
    checkpoint = AuditCheckpoint.objects.get(reason="purge")
    assert checkpoint.seq == cut and AuditChainLink.objects.order_by("seq").first().seq == cut
    purge = AuditLog.objects.get(action="audit_purge")
    assert purge.changes["partitions_dropped"] == [None, [name]] and purge.changes["deleted"] == [None, 5]
    assert verify_chain().ok, verify_chain().problems
    # The transparency log took the dropped entries in before their links went, and grows on.
    size, _ = transparency.extend_tree()
    assert size == chain.last_link()[0]
    assert purge_audit_log() == 0 and AuditCheckpoint.objects.filter(reason="purge").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_partition_is_kept_while_an_entry_before_its_cut_is_within_retention(old_month):
    lower, upper = old_month
    name = partitions.partition_name(TABLE, lower)
    first = entry(lower + timedelta(days=1), "old")
    entry(timezone.now(), "recent, but committed before the month's last entry", action="recent_event")
    late = entry(upper - timedelta(seconds=1), "old, committed last")
    purge_audit_log()
    # Whole-partition retention waits; the row purge takes the prefix older than the period.
    assert name in kept_partitions()
    assert not AuditLog.objects.filter(pk=first.pk).exists()
    assert AuditLog.objects.filter(pk=late.pk).exists()
    assert verify_chain().ok, verify_chain().problems
