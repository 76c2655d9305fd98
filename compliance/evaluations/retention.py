"""Raw evaluations past EVALUATION_RETENTION_DAYS go a whole partition at a time.

common.partitions drops a partition only after `verify_partition` finds what is derived
from its rows complete: the daily rollups count exactly its evaluations per day, and the
status history holds exactly the changes its rows make (each pair's chain through the
partition, starting from the pair's status before it). Trends, point-in-time scores,
regressions and OSCAL results read only those, so they answer the same afterwards.
`clear_references` runs just before the drop: the RetentionHorizon moves past the partition
(no evaluation can be recorded before it from then on), findings stop naming a dropped evaluation
as their last one (LatestEvaluation keeps the id it has; it also carries the status,
score and time, which is all that is read from it).
"""

from django.db import connection

from common import partitions

from ..models import Finding
from .models import EvaluationRollup, RetentionHorizon, RollupDimension, RuleEvaluation, StatusChange

TABLE = RuleEvaluation._meta.db_table


def register():
    partitions.register(
        TABLE,
        "evaluated_at",
        verify=verify_partition,
        retention_setting="EVALUATION_RETENTION_DAYS",
        before_drop=clear_references,
    )
    # The status history is what answers for dropped raw rows: kept for good.
    partitions.register(StatusChange._meta.db_table, "evaluated_at")


def _rollup_problems(cursor, name):
    cursor.execute(
        f"""
        SELECT count(*) FROM (
            SELECT (evaluated_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM {connection.ops.quote_name(name)}
            GROUP BY 1
        ) AS raw LEFT JOIN {EvaluationRollup._meta.db_table} r
            ON r.dimension = %s AND r.key = 0 AND r.day = raw.day
        WHERE r.evaluations IS DISTINCT FROM raw.n
        """,
        [RollupDimension.ALL.value],
    )
    (days,) = cursor.fetchone()
    return [f"{days} day(s) whose rollup does not count the partition's evaluations"] if days else []


def _history_problems(cursor, name, part):
    """Changes the partition's chains make but the history lacks, and the reverse."""
    changes = StatusChange._meta.db_table
    cursor.execute(
        f"""
        WITH chain AS (
            SELECT id, rule_id, data_source_id, status,
                   LAG(status) OVER (PARTITION BY rule_id, data_source_id ORDER BY evaluated_at, id) AS previous
            FROM {connection.ops.quote_name(name)}
        ), wanted AS (
            SELECT c.id FROM chain c
            WHERE c.status IS DISTINCT FROM COALESCE(c.previous, (
                SELECT s.new_status FROM {changes} s
                WHERE s.rule_id = c.rule_id AND s.data_source_id = c.data_source_id AND s.evaluated_at < %s
                ORDER BY s.evaluated_at DESC, s.evaluation_id DESC LIMIT 1), '')
        ), stored AS (
            SELECT evaluation_id AS id FROM {changes} WHERE evaluated_at >= %s AND evaluated_at < %s
        )
        SELECT (SELECT count(*) FROM wanted w WHERE NOT EXISTS (SELECT 1 FROM stored s WHERE s.id = w.id)),
               (SELECT count(*) FROM stored s WHERE NOT EXISTS (SELECT 1 FROM wanted w WHERE w.id = s.id))
        """,
        [part.lower, part.lower, part.upper],
    )
    missing, extra = cursor.fetchone()
    problems = []
    if missing:
        problems.append(f"{missing} status change(s) missing from the history")
    if extra:
        problems.append(f"{extra} status change(s) in the history no evaluation makes")
    return problems


def verify_partition(part):
    with connection.cursor() as cursor:
        return _rollup_problems(cursor, part.name) + _history_problems(cursor, part.name, part)


def horizon(*, hold=False):
    """The time before which raw evaluations were dropped (None: nothing dropped yet).

    hold: PostgreSQL, keep a drop from moving it until this transaction ends (an ingest
    checking its batch against it), as a drop's move waits for that ingest to commit."""
    if hold and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT dropped_before FROM {RetentionHorizon._meta.db_table} FOR SHARE")
            row = cursor.fetchone()
        return row[0] if row else None
    return RetentionHorizon.objects.values_list("dropped_before", flat=True).first()


def _move_horizon(upper):
    current = RetentionHorizon.objects.select_for_update().first()
    if current is None:
        RetentionHorizon.objects.create(dropped_before=upper)
    elif current.dropped_before < upper:
        current.dropped_before = upper
        current.save(update_fields=["dropped_before", "updated_at"])


def clear_references(part):
    _move_horizon(part.upper)
    with connection.cursor() as cursor:
        cursor.execute(
            # A probe of the partition's key per finding (last_evaluation has no index).
            f"UPDATE {Finding._meta.db_table} f SET last_evaluation_id = NULL WHERE last_evaluation_id IS NOT NULL "
            f"AND EXISTS (SELECT 1 FROM {connection.ops.quote_name(part.name)} e WHERE e.id = f.last_evaluation_id)"
        )
