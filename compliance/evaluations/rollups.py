"""Daily evaluation rollups: maintained in the ingest transaction, equal to live aggregation.

`add_evaluations` is called by ingest.record_evaluations for every batch: it
aggregates the batch in Python and upserts every touched rollup row with ONE statement.
`live_rollup_rows` is the same aggregation done by the database over raw evaluations;
`rebuild_rollups` replaces the rollups with it (backfill or repair), and the tests compare
the two after random ingests.
"""

from collections import defaultdict
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, DecimalField, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, ExtractHour, Round, TruncDate

from common import bound

from ..choices import EvaluationStatus
from .models import EvaluationRollup, RollupDimension, RuleEvaluation

COUNT_FIELDS = (
    "evaluations",
    "passed",
    "failed",
    "error",
    "not_applicable",
    "score_count",
    "score_sum",
    "duration_count",
    "duration_sum",
)
_STATUS_SLOT = {"passed": 1, "failed": 2, "error": 3, "not_applicable": 4}
_MICRO = Decimal("0.000001")
_ALL, _RULE, _SOURCE, _HOUR = (
    RollupDimension.ALL.value,
    RollupDimension.RULE.value,
    RollupDimension.DATA_SOURCE.value,
    RollupDimension.HOUR.value,
)
_TABLE = EvaluationRollup._meta.db_table


def rollup_score(score):
    """A score as the rollups add it: PostgreSQL's float8→numeric (15 digits), then 6 decimals."""
    return Decimal(f"{score:.15g}").quantize(_MICRO, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=65536)
def _score_micros(score):
    # Scores repeat a lot within a batch; integer micro-units sum much faster than Decimals.
    return int(rollup_score(score).scaleb(6))


def _empty():
    return [0, 0, 0, 0, 0, 0, 0, 0, 0]


def _add(total, part):
    for i in range(9):
        total[i] += part[i]


def aggregate_batch(evaluations):
    """{(dimension, key, day): [counts in COUNT_FIELDS order]} for a batch of evaluations.

    Each evaluation is folded once per (rule, day, hour) and once per (source, day); the
    rule groups, far fewer than the rows, then give the rule, "all" and hour rows.
    """
    by_rule, by_source = {}, {}
    slot = _STATUS_SLOT
    for evaluation in evaluations:
        at = evaluation.evaluated_at.astimezone(UTC)
        day = at.date()
        status = slot[evaluation.status]
        micros = None if evaluation.score is None else _score_micros(evaluation.score)
        duration = evaluation.duration_ms
        for book, key in ((by_rule, (evaluation.rule_id, day, at.hour)), (by_source, (evaluation.data_source_id, day))):
            group = book.get(key)
            if group is None:
                group = book[key] = _empty()
            group[0] += 1
            group[status] += 1
            if micros is not None:
                group[5] += 1
                group[6] += micros
            if duration is not None:
                group[7] += 1
                group[8] += duration
    totals = defaultdict(_empty)
    for (rule_id, day, hour), group in by_rule.items():
        _add(totals[(_RULE, rule_id, day)], group)
        _add(totals[(_ALL, 0, day)], group)
        _add(totals[(_HOUR, hour, day)], group)
    for (source_id, day), group in by_source.items():
        _add(totals[(_SOURCE, source_id, day)], group)
    for row in totals.values():
        row[6] = Decimal(row[6]).scaleb(-6)
    return totals


_COLUMNS = ("dimension", "key", "day", *COUNT_FIELDS)
_UPDATE = ", ".join(f"{name} = {_TABLE}.{name} + EXCLUDED.{name}" for name in COUNT_FIELDS)
_PG_TYPES = ("varchar", "bigint", "date", "int", "int", "int", "int", "int", "int", "numeric", "int", "bigint")
_STAGE = "ingest_rollup_rows"
_PG_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) SELECT * FROM {_STAGE} ORDER BY 1, 2, 3 "
    f"ON CONFLICT (dimension, key, day) DO UPDATE SET {_UPDATE}"
)
_SQLITE_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
    f"ON CONFLICT (dimension, key, day) DO UPDATE SET {_UPDATE}"
)


def add_evaluations(evaluations):
    """Add a batch of newly stored evaluations to the rollups (one upsert statement).

    Runs inside record_evaluations' transaction. Rows are upserted in key order, so two
    concurrent ingests touching the same rollup rows lock them in the same order and
    cannot deadlock.
    """
    totals = aggregate_batch(evaluations)
    if not totals:
        return
    keys = sorted(totals)
    if connection.vendor == "postgresql":
        # A backfill batch touches ~22,000 rollup rows (rule, source and hour x day): COPY
        # them into a staging table rather than binding 12 arrays of that length.
        with bound.staged(
            _STAGE, list(zip(_COLUMNS, _PG_TYPES, strict=True)), ((*k, *totals[k]) for k in keys)
        ) as cursor:
            cursor.execute(_PG_UPSERT)
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            _SQLITE_UPSERT,
            [
                (k[0], k[1], k[2].isoformat(), *(str(v) if isinstance(v, Decimal) else v for v in totals[k]))
                for k in keys
            ],
        )


def _live_counts():
    return {
        "evaluations": Count("id"),
        "passed": Count("id", filter=Q(status=EvaluationStatus.PASSED)),
        "failed": Count("id", filter=Q(status=EvaluationStatus.FAILED)),
        "error": Count("id", filter=Q(status=EvaluationStatus.ERROR)),
        "not_applicable": Count("id", filter=Q(status=EvaluationStatus.NOT_APPLICABLE)),
        "score_count": Count("score"),
        # Cast rounds to 6 places on PostgreSQL; SQLite's CAST keeps the float, so round too.
        "score_sum": Sum(Round(Cast("score", DecimalField(max_digits=24, decimal_places=6)), 6)),
        "duration_count": Count("duration_ms"),
        "duration_sum": Sum("duration_ms"),
    }


_KEY_EXPRESSIONS = {
    RollupDimension.ALL: lambda: Value(0, output_field=IntegerField()),
    RollupDimension.RULE: lambda: Cast("rule_id", IntegerField()),
    RollupDimension.DATA_SOURCE: lambda: Cast("data_source_id", IntegerField()),
    RollupDimension.HOUR: lambda: ExtractHour("evaluated_at"),
}


def _live_queryset(dimension, evaluations=None):
    queryset = RuleEvaluation.objects.all() if evaluations is None else evaluations
    return (
        queryset.order_by()
        .annotate(rollup_key=_KEY_EXPRESSIONS[RollupDimension(dimension)](), rollup_day=TruncDate("evaluated_at"))
        .values("rollup_key", "rollup_day")
        .annotate(**_live_counts())
    )


def live_rollup_rows(dimension, evaluations=None):
    """The rollup rows of one dimension, aggregated live over raw evaluations (slow; for
    repairs, tests and the benchmark). Returns {(key, day): {field: value}}."""
    return {
        (row["rollup_key"], row["rollup_day"]): {
            name: (row[name] if row[name] is not None else (Decimal(0) if name == "score_sum" else 0))
            for name in COUNT_FIELDS
        }
        for row in _live_queryset(dimension, evaluations)
    }


def stored_rollup_rows(dimension):
    """The stored rollup rows of one dimension, in live_rollup_rows' shape."""
    return {
        (row["key"], row["day"]): {name: row[name] for name in COUNT_FIELDS}
        for row in EvaluationRollup.objects.filter(dimension=dimension).values("key", "day", *COUNT_FIELDS)
    }


@transaction.atomic
def rebuild_rollups():
    """Replace every rollup row with a live aggregation of the raw evaluations.

    For backfills and repairs (e.g. after evaluations were deleted by hand); ingest keeps
    the rollups exact on its own. The database aggregates and inserts (INSERT … SELECT),
    so millions of evaluations never travel through Python. Returns the rows written.
    """
    EvaluationRollup.objects.all().delete()
    totals = ", ".join(f"COALESCE(live.{name}, 0)" for name in COUNT_FIELDS)
    written = 0
    with connection.cursor() as cursor:
        for dimension in RollupDimension:
            sql, params = _live_queryset(dimension).query.sql_with_params()
            cursor.execute(
                f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) "
                f"SELECT %s, live.rollup_key, live.rollup_day, {totals} FROM ({sql}) AS live",
                [dimension.value, *params],
            )
            written += cursor.rowcount
    return written


def subtract_deleted(*, rule_id=None, data_source_id=None):
    """Take a rule's or data source's evaluations out of the rollups before they cascade away."""
    if rule_id is not None:
        doomed = RuleEvaluation.objects.filter(rule_id=rule_id)
        own, other = RollupDimension.RULE, RollupDimension.DATA_SOURCE
        own_key = rule_id
    else:
        doomed = RuleEvaluation.objects.filter(data_source_id=data_source_id)
        own, other = RollupDimension.DATA_SOURCE, RollupDimension.RULE
        own_key = data_source_id
    EvaluationRollup.objects.filter(dimension=own, key=own_key).delete()
    if not doomed.exists():
        return
    minus = ", ".join(f"{name} = {_TABLE}.{name} - COALESCE(live.{name}, 0)" for name in COUNT_FIELDS)
    with connection.cursor() as cursor:
        for dimension in (RollupDimension.ALL, RollupDimension.HOUR, other):
            sql, params = _live_queryset(dimension, doomed).query.sql_with_params()
            cursor.execute(
                f"UPDATE {_TABLE} SET {minus} FROM ({sql}) AS live WHERE {_TABLE}.dimension = %s "
                f"AND {_TABLE}.key = live.rollup_key AND {_TABLE}.day = live.rollup_day",
                [*params, dimension.value],
            )
            cursor.execute(f"DELETE FROM {_TABLE} WHERE dimension = %s AND evaluations = 0", [dimension.value])
