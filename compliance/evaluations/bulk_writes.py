"""Set-based writes for evaluation ingest.

On PostgreSQL, evaluations go in with COPY (ids reserved from the sequence first), and
latest-state upserts and finding updates are one statement each over unnest() arrays;
Django's bulk_create/bulk_update spend most of their time building SQL in Python. Other
databases (the embedded SQLite mode) use the ORM equivalents. These helpers write rows
only; the caller (compliance.services) owns the audit entry and the signals.
"""

from django.db import connection
from django.db.models.base import ModelState

from common import bound
from common.json_text import json_text
from common.partitions import ensure_partitions

from ..models import Finding
from .models import LatestEvaluation, RuleEvaluation, StatusChange

_EVALUATION_COLUMNS = (
    "id",
    "rule_id",
    "data_source_id",
    "status",
    "score",
    "evaluated_at",
    "details",
    "duration_ms",
    "source",
    "recorded_at",
)
_FINDING_UPDATES = (
    ("status", "text"),
    ("severity", "text"),
    ("last_seen_at", "timestamptz"),
    ("opened_at", "timestamptz"),
    ("resolved_at", "timestamptz"),
    ("recurrence_count", "integer"),
    ("occurrences", "integer"),
    ("last_evaluation_id", "bigint"),
    ("updated_at", "timestamptz"),
)


def _postgres():
    return connection.vendor == "postgresql"


def new_instances(model, rows):
    """Unsaved `model` instances from dicts holding every concrete field's attname.

    Model.__init__ (argument matching, pre_init/post_init signals) was the biggest single
    cost of a 10,000-row ingest; these rows are new and immutable, so nothing needs what it
    does (no audit snapshot: ingest audits the batch as one entry)."""
    made = []
    new = model.__new__
    for values in rows:
        instance = new(model)
        instance.__dict__.update(values)
        instance._state = ModelState()
        made.append(instance)
    return made


def ensure_batch_partitions(evaluations):
    """Partitions for the batch's time span, in both time-partitioned tables, before any row
    goes in (one catalog query each when they exist; nothing outside PostgreSQL)."""
    if not evaluations or not _postgres():
        return
    first = min(e.evaluated_at for e in evaluations)
    last = max(e.evaluated_at for e in evaluations)
    for model in (RuleEvaluation, StatusChange):
        ensure_partitions(model._meta.db_table, first, last)


def reserve_ids(evaluations):
    """Give new RuleEvaluation instances their pk. On PostgreSQL the ids come from the
    sequence and the rows go in later (copy_evaluations), so the status history can be
    planned against the stored rows alone; elsewhere the rows are inserted here."""
    if not evaluations:
        return
    if not _postgres():
        RuleEvaluation.objects.bulk_create(evaluations, batch_size=2000)
        return
    # The sequence looked up once (OFFSET 0 keeps the planner from folding the subquery
    # back into every row: pg_get_serial_sequence() per row was 45 ms of catalog lookups a
    # batch against 4 ms for the nextvals), and one binary array back, not 10,000 rows.
    ((pks,),) = bound.execute(
        "SELECT array_agg(nextval(s.seq)) FROM (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq "
        "OFFSET 0) s, generate_series(1, %s)",
        [RuleEvaluation._meta.db_table, len(evaluations)],
        binary=True,
    )
    alias = connection.alias  # a thread-local lookup each time it is read
    for evaluation, pk in zip(evaluations, pks, strict=True):
        evaluation.id = pk
        state = evaluation._state
        state.adding = False
        state.db = alias


def copy_evaluations(evaluations):
    """PostgreSQL: COPY the instances reserve_ids numbered (elsewhere they are in already)."""
    if not evaluations or not _postgres():
        return
    table = RuleEvaluation._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f'COPY "{table}" ({", ".join(_EVALUATION_COLUMNS)}) FROM STDIN') as copy,
    ):
        for e in evaluations:
            copy.write_row(
                (
                    e.pk,
                    e.rule_id,
                    e.data_source_id,
                    e.status,
                    e.score,
                    e.evaluated_at,
                    json_text(e.details),
                    e.duration_ms,
                    e.source,
                    e.recorded_at,
                )
            )


def upsert_latest(rows):
    """Insert or move forward LatestEvaluation rows (the caller decided they are newer)."""
    if not rows:
        return
    if not _postgres():
        LatestEvaluation.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["rule", "data_source"],
            update_fields=["evaluation", "status", "score", "evaluated_at"],
        )
        return
    table = LatestEvaluation._meta.db_table
    bound.execute(
        f"""
            INSERT INTO "{table}" (rule_id, data_source_id, evaluation_id, status, score, evaluated_at)
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::float8[],
                                 %s::timestamptz[])
            ON CONFLICT (rule_id, data_source_id) DO UPDATE SET
                evaluation_id = EXCLUDED.evaluation_id, status = EXCLUDED.status,
                score = EXCLUDED.score, evaluated_at = EXCLUDED.evaluated_at
            """,
        [
            [r.rule_id for r in rows],
            [r.data_source_id for r in rows],
            [r.evaluation_id for r in rows],
            [r.status for r in rows],
            [r.score for r in rows],
            [r.evaluated_at for r in rows],
        ],
    )


def _db_value(value):
    # SQLite stores datetimes as text; let Django's adapter produce its format.
    return connection.ops.adapt_datetimefield_value(value) if hasattr(value, "tzinfo") else value


def update_findings(findings):
    """Write the lifecycle fields of existing findings in one statement."""
    if not findings:
        return
    table = Finding._meta.db_table
    if not _postgres():
        # One prepared UPDATE run per row: far faster on SQLite than bulk_update's CASE chains.
        assignments = ", ".join(f"{name} = %s" for name, _ in _FINDING_UPDATES)
        rows = [[_db_value(getattr(f, name)) for name, _ in _FINDING_UPDATES] + [f.pk] for f in findings]
        with connection.cursor() as cursor:
            cursor.executemany(f'UPDATE "{table}" SET {assignments} WHERE id = %s', rows)
        return
    columns = ", ".join(name for name, _ in _FINDING_UPDATES)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in _FINDING_UPDATES)
    assignments = ", ".join(f"{name} = v.{name}" for name, _ in _FINDING_UPDATES)
    params = [[f.pk for f in findings]] + [[getattr(f, name) for f in findings] for name, _ in _FINDING_UPDATES]
    bound.execute(
        f'UPDATE "{table}" AS f SET {assignments} FROM unnest(%s::bigint[], {arrays}) AS v(id, {columns}) '
        "WHERE f.id = v.id",
        params,
    )
