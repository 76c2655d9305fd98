"""Integration sync logs live in time partitions (PostgreSQL): the migration converts a
populated table without losing or changing a row and keeps the foreign key on every
partition, a log of any date gets its partition before it is written, time filters prune,
and retention drops whole partitions."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from common import partitions
from common.roles import AUDITOR
from common.testing.partitions import covering, primary_key_columns
from integrations.models import IntegrationLog
from integrations.partitioning import TABLE

from .factories import make_integration

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]
MIGRATION = importlib.import_module("integrations.migrations.0004_partition_integration_logs")
COLUMNS = "id, integration_id, kind, status, trigger, task_id, started_at, finished_at, duration_ms, fetched, message"


def month_start(at):
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def stub(name="splunk logs"):
    return make_integration(
        "splunk", name=name, config={"hec_url": "https://splunk.example.com:8088"}, credentials={"hec_token": "t" * 20}
    )


def foreign_keys(cursor):
    """{table: conparentid is set} of every foreign key constraint on the table or its partitions."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conparentid <> 0 FROM pg_constraint WHERE contype = 'f' "
        "AND confrelid = 'integrations_integration'::regclass AND conrelid::regclass::text LIKE %s",
        [TABLE + "%"],
    )
    return dict(cursor.fetchall())


def test_the_migrated_table_is_partitioned_with_its_key_its_foreign_key_and_a_guard():
    assert partitions.is_partitioned(TABLE)
    assert TABLE in {item.table for item in partitions.registered()}
    found = partitions.partitions(TABLE)
    assert found[-1].is_default
    ahead = month_start(timezone.now())
    for _ in range(3):
        ahead = partitions.next_start(ahead)
        assert covering(TABLE, ahead), f"no partition for {ahead:%Y-%m}"
    assert primary_key_columns(TABLE) == ["id", "started_at"]
    with connection.cursor() as cursor:
        # Declared on the parent: every partition, the ones made later too, holds it.
        keys = foreign_keys(cursor)
        assert keys.pop(TABLE) is False
        assert set(keys) == {p.name for p in found} and all(keys.values())
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass", [TABLE])
        assert cursor.fetchone()[0] == 0  # nothing points at the logs


def test_a_log_of_any_month_gets_its_partition_first_and_never_the_default(client):
    integration = stub()
    old = month_start(timezone.now() - timedelta(days=900)) + timedelta(days=2, hours=3)
    assert not covering(TABLE, old)
    log = IntegrationLog.objects.create(integration=integration, status="success", started_at=old)
    assert covering(TABLE, old) == [partitions.partition_name(TABLE, month_start(old))]
    assert client.get("/healthz").json()["partition_default_rows"][TABLE] == 0
    # An update of a row keeps it where it is (the partition key does not change).
    log.status, log.duration_ms = "failed", 12
    log.save()
    assert IntegrationLog.objects.get(pk=log.pk).status == "failed"
    # The constraint holds on a partition made after the migration, as on the legacy one.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
            [covering(TABLE, old)[0]],
        )
        (name,) = cursor.fetchone()
        with pytest.raises(IntegrityError, match="foreign key"), transaction.atomic():
            cursor.execute(f'SET CONSTRAINTS "{name}" IMMEDIATE')
            cursor.execute(
                f"INSERT INTO {TABLE} (integration_id, kind, status, trigger, task_id, started_at, fetched, created, "
                "updated, skipped, failed, unmapped, message, error) "
                "VALUES (987654321, 'sync', 'success', '', '', %s, 0, 0, 0, 0, 0, '[]', '', '')",
                [old],
            )


def settle_foreign_keys():
    """Run the deferred foreign key checks of the rows written so far, as their commit would:
    DDL (the migration, a partition's DROP) refuses a table with trigger events pending,
    which only this test's never-committed transaction has."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass", [TABLE])
        cursor.execute(f'SET CONSTRAINTS "{cursor.fetchone()[0]}" IMMEDIATE')  # the partitions' share the name


def _plain_table_as_0003_left_it():
    """Drop the partitioned table (this test's transaction is rolled back) and make the
    table exactly as migration 0003 had it, from the migration history's own model."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE} CASCADE")
    state = MigrationLoader(connection).project_state(("integrations", "0003_synckey_no_integration_index"))
    model = state.apps.get_model("integrations", "IntegrationLog")
    with connection.schema_editor() as editor:
        editor.create_model(model)
    assert not partitions.is_partitioned(TABLE)
    return model


def test_the_migration_converts_a_populated_table_without_losing_a_row():
    integrations = [stub("a"), stub("b")]
    old_model = _plain_table_as_0003_left_it()
    now = timezone.now()
    old_model.objects.bulk_create(
        old_model(
            integration_id=integrations[i % 2].pk,
            status=("success", "failed", "running")[i % 3],
            trigger="schedule",
            started_at=now - timedelta(days=i * 11, minutes=i),
            finished_at=now - timedelta(days=i * 11),
            duration_ms=i,
            fetched=i,
            message=f"row {i}",
        )
        for i in range(40)  # about 15 months, one row still running in each third
    )
    settle_foreign_keys()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY id")
        before = cursor.fetchall()
        MIGRATION.partition_logs(None, None)
        assert partitions.is_partitioned(TABLE)
        cursor.execute(f"SELECT {COLUMNS} FROM {TABLE} ORDER BY id")
        assert cursor.fetchall() == before
        keys = foreign_keys(cursor)
        assert keys.pop(TABLE) is False  # the parent's own; every partition's is attached to it
        assert set(keys) == {p.name for p in partitions.partitions(TABLE)} and all(keys.values())
    # The sequence carries on past the old rows; the ORM reads and writes the new table.
    new = IntegrationLog.objects.create(integration=integrations[0], status="running")
    assert new.pk == before[-1][0] + 1
    IntegrationLog.objects.filter(pk=before[5][0]).update(status="success")
    assert IntegrationLog.objects.filter(integration=integrations[1]).count() == 20
    # Split in steps into months: still every row, each in its month.
    months = len({(r[6].year, r[6].month) for r in before})
    split = []
    while (name := partitions.split_oldest(TABLE)) is not None:
        split.append(name)
    assert len(split) == months - 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, started_at FROM {TABLE} WHERE id <= %s ORDER BY id", [before[-1][0]])
        assert [row[0] for row in cursor.fetchall()] == [row[0] for row in before]
        for part in partitions.partitions(TABLE):
            if not part.is_default:
                cursor.execute(
                    f"SELECT count(*) FROM {part.name} WHERE started_at < %s OR started_at >= %s",
                    [part.lower, part.upper],
                )
                assert cursor.fetchone()[0] == 0, part


def test_the_logs_endpoint_prunes_by_time_and_pages_across_partitions(client_as):
    integration = stub()
    this_month = month_start(timezone.now())
    times = [this_month - timedelta(microseconds=1), this_month, this_month + timedelta(microseconds=1)]
    for i, at in enumerate(times * 2):
        IntegrationLog.objects.create(integration=integration, status="success", started_at=at, fetched=i)
    client = client_as(AUDITOR)
    url, seen = f"/api/v1/integrations/{integration.pk}/logs/?page_size=2", []
    while url:
        body = client.get(url).json()
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    assert seen == list(
        IntegrationLog.objects.filter(integration=integration)
        .order_by("-started_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(seen) == 6
    one_day = IntegrationLog.objects.filter(started_at__gte=this_month, started_at__lt=this_month + timedelta(days=1))
    scanned = {p.name for p in partitions.partitions(TABLE) if p.name in one_day.explain()}
    assert scanned == set(covering(TABLE, this_month))


def test_retention_drops_whole_old_partitions_only(settings):
    settings.INTEGRATION_LOG_RETENTION_DAYS = 400
    integration = stub()
    now = timezone.now()
    old = IntegrationLog.objects.create(integration=integration, started_at=now - timedelta(days=500))
    kept = IntegrationLog.objects.create(integration=integration, started_at=now - timedelta(days=300))
    fresh = IntegrationLog.objects.create(integration=integration, started_at=now)
    settle_foreign_keys()
    dropped, blocked = partitions.drop_older_than(TABLE)
    assert blocked == {} and dropped == [partitions.partition_name(TABLE, month_start(old.started_at))]
    assert set(IntegrationLog.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert partitions.drop_older_than(TABLE) == ([], {})
    # Deleting the integration still takes its logs with it, across partitions.
    integration.delete()
    assert not IntegrationLog.objects.exists()
