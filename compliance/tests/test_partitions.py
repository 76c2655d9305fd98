"""Evaluations and status changes live in time partitions (PostgreSQL): created ahead and on
demand, pruned by time filters, walked by the keyset cursor without a skip or a repeat,
and an existing populated table converts (and splits) without losing a row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from common import partitions
from common.roles import AUDITOR
from common.testing.partitions import covering, primary_key_columns
from compliance.evaluations import record_evaluations, validate_evaluation_rows
from compliance.models import RuleEvaluation, StatusChange

from .factories import DataSourceFactory, RuleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]
TABLE = RuleEvaluation._meta.db_table


def month_start(at):
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def ingest(raw):
    rows, errors = validate_evaluation_rows(raw)
    assert not errors, errors
    return record_evaluations(rows=rows).evaluations


def test_migrated_tables_are_partitioned_with_a_guard_and_partitions_ahead():
    for table in (TABLE, StatusChange._meta.db_table):
        assert partitions.is_partitioned(table)
        found = partitions.partitions(table)
        assert found[-1].is_default
        ahead = month_start(timezone.now())
        for _ in range(3):
            ahead = partitions.next_start(ahead)
            assert covering(table, ahead), f"{table} has no partition for {ahead:%Y-%m}"
    assert primary_key_columns(TABLE) == ["evaluated_at", "id"]
    with connection.cursor() as cursor:
        # No foreign key constraint points at the partitioned table.
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass", [TABLE])
        assert cursor.fetchone()[0] == 0


def test_ingest_creates_the_partitions_of_a_backfill_before_writing():
    rule, source = RuleFactory(), DataSourceFactory()
    old = month_start(timezone.now() - timedelta(days=800)) + timedelta(days=3)
    assert not covering(TABLE, old)
    ingest([{"rule": rule.pk, "data_source": source.pk, "status": "failed", "evaluated_at": old.isoformat()}])
    assert covering(TABLE, old) and covering(StatusChange._meta.db_table, old)
    guard = partitions.default_rows()
    assert guard[TABLE] == 0 and guard[StatusChange._meta.db_table] == 0


def test_rows_in_the_default_partition_show_on_healthz_and_move_out(client):
    rule, source = RuleFactory(), DataSourceFactory()
    stray = month_start(timezone.now() - timedelta(days=900)) + timedelta(days=1)
    # An ORM write bypasses ingest's partition check: the DEFAULT partition catches it.
    RuleEvaluation.objects.create(rule=rule, data_source=source, status="passed", evaluated_at=stray)
    assert client.get("/healthz").json()["partition_default_rows"][TABLE] == 1
    created = partitions.ensure_partitions(TABLE, stray, stray)
    assert created == [partitions.partition_name(TABLE, month_start(stray))]
    assert client.get("/healthz").json()["partition_default_rows"][TABLE] == 0
    assert RuleEvaluation.objects.filter(evaluated_at=stray).count() == 1


def test_create_ahead_is_idempotent():
    later = timezone.now() + timedelta(days=400)
    first = partitions.create_ahead(later)
    assert first[TABLE]
    again = partitions.create_ahead(later)
    assert again[TABLE] == [] and again[StatusChange._meta.db_table] == []


@pytest.fixture
def across_boundaries():
    """Rows on both sides of two month boundaries, many sharing the boundary instants."""
    rule, sources = RuleFactory(), [DataSourceFactory() for _ in range(3)]
    this_month = month_start(timezone.now())
    boundaries = [this_month, month_start(this_month - timedelta(days=1))]
    raw = []
    for boundary in boundaries:
        for offset in (-timedelta(microseconds=1), timedelta(0), timedelta(microseconds=1)):
            for i in range(5):
                raw.append(
                    {
                        "rule": rule.pk,
                        "data_source": sources[i % 3].pk,
                        "status": "passed" if i % 2 else "failed",
                        "evaluated_at": (boundary + offset).isoformat(),
                    }
                )
    evaluations = ingest(raw)
    # Each boundary's rows are in two partitions.
    for boundary in boundaries:
        assert covering(TABLE, boundary) != covering(TABLE, boundary - timedelta(microseconds=1))
    return evaluations


def test_keyset_cursor_neither_skips_nor_repeats_across_partitions(client_as, across_boundaries):
    client = client_as(AUDITOR)
    url, seen = "/api/v1/evaluations/?page_size=4", []
    while url:
        body = client.get(url).json()
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    expected = sorted(across_boundaries, key=lambda e: (e.evaluated_at, e.pk), reverse=True)
    assert seen == [e.pk for e in expected]


def plan(queryset):
    return queryset.explain()


def test_time_filters_prune_partitions(across_boundaries):
    this_month = month_start(timezone.now())
    inside = this_month + timedelta(days=2)
    text = plan(RuleEvaluation.objects.filter(evaluated_at__gte=this_month, evaluated_at__lt=inside))
    assert partitions.partition_name(TABLE, this_month) in text or "_legacy" in text
    scanned = {p.name for p in partitions.partitions(TABLE) if p.name in text}
    assert scanned == set(covering(TABLE, this_month)), text
    # The point-in-time read of one day's changes touches one status-change partition.
    changes = plan(StatusChange.objects.filter(evaluated_at__gte=this_month, evaluated_at__lte=inside))
    assert {p.name for p in partitions.partitions(StatusChange._meta.db_table) if p.name in changes} == set(
        covering(StatusChange._meta.db_table, this_month)
    )
    # Without a time filter every partition is a candidate: the contrast the test relies on.
    assert len({p.name for p in partitions.partitions(TABLE) if p.name in plan(RuleEvaluation.objects.all())}) > 1


LEGACY_DDL = """
CREATE TABLE conv_events (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    rule_id bigint NOT NULL,
    at timestamptz NOT NULL,
    status varchar(16) NOT NULL,
    duration_ms integer CHECK (duration_ms >= 0)
);
CREATE INDEX conv_events_rule_at ON conv_events (rule_id, at DESC);
CREATE INDEX conv_events_at_id ON conv_events (at DESC, id DESC);
INSERT INTO conv_events (rule_id, at, status, duration_ms)
SELECT g %% 7, %s::timestamptz - (g || ' hours')::interval, 'passed', g FROM generate_series(1, 3000) AS g;
"""


@pytest.fixture
def conv_table(monkeypatch):
    monkeypatch.setitem(partitions._REGISTRY, "conv_events", partitions.PartitionedTable("conv_events", "at"))
    with connection.cursor() as cursor:
        cursor.execute(LEGACY_DDL, [timezone.now()])
    return "conv_events"


def counts_by_month(cursor):
    cursor.execute("SELECT date_trunc('month', at AT TIME ZONE 'UTC'), count(*), sum(id) FROM conv_events GROUP BY 1")
    return {month: (n, total) for month, n, total in cursor.fetchall()}


def test_an_existing_populated_table_converts_then_splits_month_by_month(conv_table):
    with connection.cursor() as cursor:
        before = counts_by_month(cursor)
        cursor.execute("SELECT oid FROM pg_class WHERE relname = 'conv_events_at_id'")
        (index_oid,) = cursor.fetchone()
        partitions.convert_to_partitioned(conv_table, "at")
        assert partitions.is_partitioned(conv_table)
        assert counts_by_month(cursor) == before
        # The legacy table's indexes were adopted by the new parent's, not rebuilt.
        cursor.execute("SELECT relname FROM pg_class WHERE oid = %s", [index_oid])
        assert cursor.fetchone()[0] == "conv_events_at_id_legacy"
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'conv_events_at_id'::regclass")
        assert cursor.fetchone()[0] is True
        # The id sequence carries on past the old rows.
        cursor.execute("INSERT INTO conv_events (rule_id, at, status) VALUES (1, now(), 'failed') RETURNING id")
        assert cursor.fetchone()[0] == 3001
        legacy = [p for p in partitions.partitions(conv_table) if p.name.endswith("_legacy")]
        months = len(before)
        assert len(legacy) == 1 and months >= 4
        split = []
        while (name := partitions.split_oldest(conv_table)) is not None:
            split.append(name)
        assert len(split) == months - 1  # the newest month stays in the (now one-month) legacy one
        assert counts_by_month(cursor) == {**before, **_bump(before)}
        for part in partitions.partitions(conv_table):
            if part.is_default:
                continue
            assert partitions.next_start(part.lower) == part.upper, part
            cursor.execute(
                f"SELECT count(*) FROM {part.name} WHERE at < %s OR at >= %s",
                [part.lower, part.upper],
            )
            assert cursor.fetchone()[0] == 0


def _bump(before):
    # The one row inserted after conversion, in the current month.
    now = timezone.now().astimezone(UTC)
    key = max(before)
    assert key.year == now.year and key.month == now.month
    n, total = before[key]
    return {key: (n + 1, total + 3001)}


def test_the_partitions_command_lists_creates_and_refuses_unknown_tables():
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("partitions", "list", "--table", TABLE, stdout=out)
    assert f"{TABLE}_default  DEFAULT" in out.getvalue()
    out = StringIO()
    call_command("partitions", "ahead", stdout=out)
    assert f"{TABLE}: created 0 partition(s)" in out.getvalue()
    out = StringIO()
    call_command("partitions", "split", "--table", TABLE, stdout=out)
    assert "nothing left to split" in out.getvalue()  # the test database's legacy partition is one month
    with pytest.raises(CommandError, match="not a registered partitioned table"):
        call_command("partitions", "list", "--table", "compliance_finding")


def _probe_plan(bounds):
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (COSTS OFF) SELECT new_status FROM compliance_statuschange c WHERE c.rule_id = 1 "
            f"AND c.data_source_id = 1 AND c.evaluated_at <= now() {bounds} "
            "ORDER BY c.evaluated_at DESC, c.evaluation_id DESC LIMIT 1"
        )
        return "\n".join(row[0] for row in cursor.fetchall())


def test_late_arrival_probes_read_partitions_in_order_while_the_guard_is_empty():
    """Bounded to the bounded partitions, the probe over every partition before a time
    reads them newest first and stops at the first row (an ordered Append); unbounded, the
    DEFAULT partition forces a Merge Append that starts a scan in each. With rows in the
    DEFAULT partition the bounds are dropped, since a bounded probe would miss them."""
    from compliance.evaluations.status_history import _ordered_bounds

    now = timezone.now()
    partitions.ensure_partitions("compliance_statuschange", now - timedelta(days=200), now)
    lower, upper = partitions.span_without_default("compliance_statuschange")
    assert lower <= month_start(now - timedelta(days=200)) and upper > now
    bounds = _ordered_bounds("compliance_statuschange", "c")
    assert "Merge Append" not in _probe_plan(bounds) and "Append" in _probe_plan(bounds)
    assert "Merge Append" in _probe_plan("")
    rule, source = RuleFactory(), DataSourceFactory()
    stray = month_start(now - timedelta(days=900)) + timedelta(days=1)
    RuleEvaluation.objects.create(rule=rule, data_source=source, status="passed", evaluated_at=stray)
    assert partitions.span_without_default(TABLE) is None
    assert _ordered_bounds(TABLE, "e") == ""


def test_rows_are_grouped_by_the_partition_that_holds_them():
    now = timezone.now()
    table = "compliance_statuschange"
    partitions.ensure_partitions(table, now - timedelta(days=70), now)
    times = [now, now - timedelta(days=40), now - timedelta(days=40, seconds=1), datetime(2999, 1, 1, tzinfo=UTC)]
    grouped = partitions.by_partition(table, list(enumerate(times)), key=lambda item: item[1])
    names = {item[0]: name for name, items in grouped.items() for item in items}
    found = partitions.partitions(table)
    for i, at in enumerate(times):
        (holder,) = [
            p.name for p in found if not p.is_default and (p.lower is None or p.lower <= at) and at < p.upper
        ] or [next(p.name for p in found if p.is_default)]
        assert names[i] == holder, (at, names[i], holder)
    assert names[3].endswith("_default")
    assert partitions.by_partition("compliance_finding", [1], key=lambda item: now) == {}
