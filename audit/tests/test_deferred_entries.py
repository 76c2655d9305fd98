"""Entries ride with the COMMIT (audit/backends/postgresql), yet behave as if sent at once.

These run on real transactions (transaction=True): the point is what reaches the server
and when, so nothing here is wrapped in the test case's own atomic block.
"""

import contextlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from compliance.models import Framework

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the deferral is the PostgreSQL backend's"),
]


def framework_entries(name):
    return AuditLog.objects.filter(content_type__model="framework", object_repr__startswith=f"Name {name}")


@contextlib.contextmanager
def audit_inserts_refused(marker):
    """A real server-side failure of the audit INSERT: a CHECK the entry for `marker` breaks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_auditlog ADD CONSTRAINT test_refuse_marker "
            "CHECK (position(%s in object_repr) = 0) NOT VALID",
            [marker],
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditlog DROP CONSTRAINT test_refuse_marker")


def test_each_entry_rides_with_the_next_statement_or_the_commit():
    ContentType.objects.get_for_model(Framework)  # cached, as in a running process
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        first = Framework.objects.create(code="d1", name="Name d1")
        second = Framework.objects.create(code="d2", name="Name d2")
    sql = [query["sql"] for query in queries]
    assert len(sql) == 4, sql  # BEGIN, framework 1, entry 1 + framework 2, entry 2 + COMMIT
    assert sql[2].startswith("SELECT audit_insert_entry(") and 'INSERT INTO "compliance_framework"' in sql[2]
    assert sql[3].startswith("SELECT audit_insert_entry(") and sql[3].rstrip().endswith("COMMIT")
    assert second.pk  # read from the statement's own result, after the entry's
    entries = list(framework_entries("d").select_related("link").order_by("link__seq"))
    assert [e.object_id for e in entries] == [str(first.pk), str(second.pk)]
    assert all(e.seq and e.entry_hash for e in entries)  # sealed at that commit


def test_a_statement_with_a_literal_percent_and_no_parameters_survives_the_prefix():
    with transaction.atomic():
        Framework.objects.create(code="d10", name="Name 100% d10")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM compliance_framework WHERE name LIKE '%100\\% d10'")
            assert cursor.fetchone() == (1,)
    assert framework_entries("100% d10").count() == 1


def test_named_parameters_and_executemany_send_the_entries_first():
    with transaction.atomic():
        Framework.objects.create(code="d11", name="Name d11")
        with connection.cursor() as cursor:
            cursor.execute("SELECT %(code)s", {"code": "x"})
            assert cursor.fetchone() == ("x",) and not connection.audit_pending
        Framework.objects.create(code="d12", name="Name d12")
        with connection.cursor() as cursor:
            cursor.executemany("SELECT %s", [(1,), (2,)])
        assert not connection.audit_pending
    assert framework_entries("d11").count() == 1 and framework_entries("d12").count() == 1


def test_a_server_side_cursor_sends_the_entries_first():
    with transaction.atomic():
        Framework.objects.create(code="d13", name="Name d13")
        codes = [f.code for f in Framework.objects.filter(code="d13").iterator(chunk_size=10)]
    assert codes == ["d13"] and framework_entries("d13").count() == 1


def test_the_returned_entry_gets_its_id_when_sent():
    from audit.services import record_event

    with transaction.atomic():
        entry = record_event(action="login", message="deferred")
        assert entry.pk is None and connection.audit_pending
    assert AuditLog.objects.get(pk=entry.pk).message == "deferred"


def test_a_read_inside_the_transaction_sees_the_pending_entries():
    with transaction.atomic():
        Framework.objects.create(code="d3", name="Name d3")
        assert framework_entries("d3").count() == 1
        assert not connection.audit_pending


def test_an_entry_rolled_back_with_its_savepoint_is_gone_and_the_others_stay():
    with transaction.atomic():
        Framework.objects.create(code="d4", name="Name d4 kept")
        with contextlib.suppress(RuntimeError), transaction.atomic():
            Framework.objects.create(code="d5", name="Name d5 dropped")
            raise RuntimeError("inner business rule")
    assert framework_entries("d4").count() == 1
    assert framework_entries("d5").count() == 0
    assert not Framework.objects.filter(code="d5").exists()


def test_a_rollback_discards_the_pending_entries():
    with contextlib.suppress(RuntimeError), transaction.atomic():
        Framework.objects.create(code="d6", name="Name d6")
        assert connection.audit_pending
        raise RuntimeError("business rule failed")
    assert not connection.audit_pending
    assert framework_entries("d6").count() == 0 and not Framework.objects.filter(code="d6").exists()


@pytest.mark.parametrize("mode", ["service", "autocommit"])
def test_an_entry_the_server_refuses_at_commit_fails_the_change(mode):
    wrap = transaction.atomic if mode == "service" else contextlib.nullcontext
    before = AuditLog.objects.count()
    with audit_inserts_refused("refuse-me"):
        with pytest.raises(IntegrityError), wrap():
            Framework.objects.create(code="d7", name="Name refuse-me")
        assert not connection.audit_pending
        assert not Framework.objects.filter(code="d7").exists()
        assert AuditLog.objects.count() == before
        # The connection is usable again, and a good change still commits with its entry.
        Framework.objects.create(code="d8", name="Name d8")
    assert framework_entries("d8").count() == 1


def test_an_entry_refused_before_a_later_statement_fails_the_transaction():
    with audit_inserts_refused("refuse-me"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Framework.objects.create(code="d9", name="Name refuse-me too")
            Framework.objects.filter(code="d9").exists()  # sends the pending entry first
        assert not Framework.objects.filter(code="d9").exists()


# --- the BEGIN of the transaction the audit opens around an autocommit save -------------
def _in_transaction():
    from psycopg.pq import TransactionStatus

    return connection.connection.info.transaction_status != TransactionStatus.IDLE


def test_an_autocommit_save_opens_its_transaction_with_its_own_statement():
    ContentType.objects.get_for_model(Framework)
    with CaptureQueriesContext(connection) as queries:
        framework = Framework.objects.create(code="f1", name="Name f1")
        framework.name = "Name f1 renamed"
        framework.save()
    sql = [query["sql"] for query in queries]
    # BEGIN + the change, then the entry + COMMIT, for each save: no BEGIN on its own.
    assert len(sql) == 4, sql
    assert all(statement.startswith("BEGIN;\n") for statement in sql[0::2]), sql
    assert all(statement.rstrip().endswith("COMMIT") for statement in sql[1::2]), sql
    assert not _in_transaction() and not connection.begin_pending
    assert [e.action for e in framework_entries("f1").order_by("id")] == ["create", "update"]


def test_a_failed_autocommit_save_leaves_nothing_and_the_connection_usable():
    Framework.objects.create(code="f2", name="Name f2")
    with pytest.raises(IntegrityError):
        Framework.objects.create(code="f2", name="Name f2 again")
    assert not _in_transaction()
    assert list(framework_entries("f2").values_list("object_repr", flat=True)) == ["Name f2"]
    assert Framework.objects.filter(code="f2").count() == 1


def test_raw_driver_access_and_server_side_cursors_run_inside_the_folded_transaction():
    from django.db.models.signals import pre_save

    seen = {}

    def before_save(sender, instance, **kwargs):
        # Runs inside the audit's transaction before any statement of it has gone out.
        assert connection.begin_pending
        with connection.cursor() as cursor:
            driver_cursor = cursor.cursor  # e.g. for COPY
            seen["raw"] = _in_transaction()
            driver_cursor.execute("SELECT 1")
        seen["iterated"] = [f.code for f in Framework.objects.filter(code="f3-existing").iterator(chunk_size=10)]
        seen["still"] = _in_transaction()

    Framework.objects.create(code="f3-existing", name="Name f3 existing")
    pre_save.connect(before_save, sender=Framework, dispatch_uid="test-fold")
    try:
        Framework.objects.create(code="f3", name="Name f3")
    finally:
        pre_save.disconnect(sender=Framework, dispatch_uid="test-fold")
    assert seen == {"raw": True, "iterated": ["f3-existing"], "still": True}
    assert not _in_transaction()
    assert framework_entries("f3").filter(action="create").count() == 2


def test_an_isolation_level_is_never_folded_away():
    from psycopg import IsolationLevel

    connection.ensure_connection()
    connection.connection.isolation_level = IsolationLevel.REPEATABLE_READ
    try:
        with CaptureQueriesContext(connection) as queries:
            Framework.objects.create(code="f4", name="Name f4")
        # BEGIN on its own: psycopg's, which carries the isolation level.
        assert queries[0]["sql"] == "BEGIN" and not queries[1]["sql"].startswith("BEGIN")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.connection.isolation_level = None
    assert framework_entries("f4").count() == 1


def test_the_entry_function_takes_every_column_of_the_entry_table_in_order():
    from audit import sql

    columns = [f.column for f in AuditLog._meta.concrete_fields if not f.primary_key]
    assert [name for name, _ in sql.ENTRY_COLUMNS] == columns
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proargnames, pg_get_function_identity_arguments(oid) FROM pg_proc "
            "WHERE proname = 'audit_insert_entry'"
        )
        ((names, identity),) = cursor.fetchall()
        cursor.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = 'audit_auditlog'::regclass AND attnum > 0 AND NOT attisdropped"
        )
        table_types = dict(cursor.fetchall())
    assert names == [f"p_{column}" for column in columns]
    # Each parameter has its column's type (a varchar's length is the column's to check).
    declared = [argument.split(" ", 1)[1] for argument in identity.split(", ")]
    assert declared == [table_types[column] for column in columns]
