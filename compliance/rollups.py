"""Daily evaluation rollups: maintained in the ingest transaction, equal to live aggregation.

`add_evaluations` is called by services.record_evaluations for every batch: it
aggregates the batch in Python and upserts every touched rollup row with ONE statement.
`live_rollup_rows` is the same aggregation done by the database over raw evaluations;
`rebuild_rollups` replaces the rollups with it (backfill or repair), and the tests compare
the two after random ingests.
"""
from collections import defaultdict
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, DecimalField, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, ExtractHour, TruncDate

from .choices import EvaluationStatus
from .models import RuleEvaluation
from .models_rollups import EvaluationRollup, RollupDimension

COUNT_FIELDS = (
    "evaluations", "passed", "failed", "error", "not_applicable", "score_count", "score_sum",
    "duration_count", "duration_sum",
)
_STATUS_SLOT = {
    EvaluationStatus.PASSED: 1, EvaluationStatus.FAILED: 2,
    EvaluationStatus.ERROR: 3, EvaluationStatus.NOT_APPLICABLE: 4,
}
_MICRO = Decimal("0.000001")
_TABLE = EvaluationRollup._meta.db_table


def rollup_score(score):
    """A score as the rollups add it: PostgreSQL's float8→numeric (15 digits), then 6 decimals."""
    return Decimal(f"{score:.15g}").quantize(_MICRO, rounding=ROUND_HALF_UP)


def _vector(evaluation):
    vec = [1, 0, 0, 0, 0, 0, Decimal(0), 0, 0]
    vec[_STATUS_SLOT[evaluation.status]] = 1
    if evaluation.score is not None:
        vec[5] = 1
        vec[6] = rollup_score(evaluation.score)
    if evaluation.duration_ms is not None:
        vec[7] = 1
        vec[8] = evaluation.duration_ms
    return vec


def aggregate_batch(evaluations):
    """{(dimension, key, day): [counts in COUNT_FIELDS order]} for a batch of evaluations."""
    totals = defaultdict(lambda: [0, 0, 0, 0, 0, 0, Decimal(0), 0, 0])
    for evaluation in evaluations:
        at = evaluation.evaluated_at.astimezone(dt_timezone.utc)
        day = at.date()
        vec = _vector(evaluation)
        for key in (
            (RollupDimension.ALL.value, 0, day),
            (RollupDimension.RULE.value, evaluation.rule_id, day),
            (RollupDimension.DATA_SOURCE.value, evaluation.data_source_id, day),
            (RollupDimension.HOUR.value, at.hour, day),
        ):
            row = totals[key]
            for i, value in enumerate(vec):
                row[i] += value
    return totals


_COLUMNS = ("dimension", "key", "day", *COUNT_FIELDS)
_UPDATE = ", ".join(f"{name} = {_TABLE}.{name} + EXCLUDED.{name}" for name in COUNT_FIELDS)
_PG_TYPES = ("varchar", "bigint", "date", "int", "int", "int", "int", "int", "int", "numeric", "int", "bigint")
_PG_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in _PG_TYPES)}) AS t ORDER BY 1, 2, 3 "
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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
            columns += [[totals[k][i] for k in keys] for i in range(len(COUNT_FIELDS))]
            cursor.execute(_PG_UPSERT, columns)
        else:
            cursor.executemany(_SQLITE_UPSERT, [
                (k[0], k[1], k[2].isoformat(), *(str(v) if isinstance(v, Decimal) else v for v in totals[k]))
                for k in keys
            ])


def _live_counts():
    return {
        "evaluations": Count("id"),
        "passed": Count("id", filter=Q(status=EvaluationStatus.PASSED)),
        "failed": Count("id", filter=Q(status=EvaluationStatus.FAILED)),
        "error": Count("id", filter=Q(status=EvaluationStatus.ERROR)),
        "not_applicable": Count("id", filter=Q(status=EvaluationStatus.NOT_APPLICABLE)),
        "score_count": Count("score"),
        "score_sum": Sum(Cast("score", DecimalField(max_digits=24, decimal_places=6))),
        "duration_count": Count("duration_ms"),
        "duration_sum": Sum("duration_ms"),
    }


_KEY_EXPRESSIONS = {
    RollupDimension.ALL: lambda: Value(0, output_field=IntegerField()),
    RollupDimension.RULE: lambda: Cast("rule_id", IntegerField()),
    RollupDimension.DATA_SOURCE: lambda: Cast("data_source_id", IntegerField()),
    RollupDimension.HOUR: lambda: ExtractHour("evaluated_at"),
}


def live_rollup_rows(dimension, evaluations=None):
    """The rollup rows of one dimension, aggregated live over raw evaluations (slow; for
    rebuilds, tests and the benchmark). Returns {(key, day): {field: value}}."""
    queryset = RuleEvaluation.objects.all() if evaluations is None else evaluations
    rows = (
        queryset.order_by()
        .annotate(rollup_key=_KEY_EXPRESSIONS[RollupDimension(dimension)](), rollup_day=TruncDate("evaluated_at"))
        .values("rollup_key", "rollup_day")
        .annotate(**_live_counts())
    )
    return {
        (row["rollup_key"], row["rollup_day"]): {
            name: (row[name] if row[name] is not None else (Decimal(0) if name == "score_sum" else 0))
            for name in COUNT_FIELDS
        }
        for row in rows
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
    the rollups exact on its own. Returns the number of rollup rows written.
    """
    EvaluationRollup.objects.all().delete()
    written = 0
    for dimension in RollupDimension:
        objects = [
            EvaluationRollup(dimension=dimension, key=key, day=day, **counts)
            for (key, day), counts in live_rollup_rows(dimension).items()
        ]
        EvaluationRollup.objects.bulk_create(objects, batch_size=5000)
        written += len(objects)
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
    for dimension in (RollupDimension.ALL, RollupDimension.HOUR, other):
        for (key, day), counts in live_rollup_rows(dimension, doomed).items():
            row = EvaluationRollup.objects.select_for_update().get(dimension=dimension, key=key, day=day)
            for name in COUNT_FIELDS:
                setattr(row, name, getattr(row, name) - counts[name])
            if row.evaluations:
                row.save()
            else:
                row.delete()
