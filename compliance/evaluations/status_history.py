"""The pairs' status history, kept in the ingest transaction: StatusChange and StatusChangeRollup.

A pair's status at an instant is the status of its newest evaluation at or before it, in
(evaluated_at, id) order. A StatusChange row marks each evaluation at which that status
changed, so the pairs in each status at any instant are the changes summed up to it;
StatusChangeRollup pre-sums them per rule and status over each day, month and year, so
that sum reads at most a few dozen rows per (rule, status). scores.py reads both.

Invariant: the stored changes are exactly the chain of the stored evaluations (RuleEvaluation
rows are immutable; deletes go through `forget`). `record_batch` runs in
record_evaluations after the batch's pairs are locked. A pair whose new evaluations all
come after its latest one (the usual case) needs nothing but that latest status. A late
arrival also moves the history after it, but only at its two stored neighbours (the status
just before it and the first evaluation after it): two index probes per late evaluation,
one statement for the batch, so a backfill's cost does not grow with the history.
"""

from collections import Counter
from datetime import UTC
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Count, Q

from common import bound, partitions

from ..models import ComplianceRule
from .models import RollupPeriod, RuleEvaluation, StatusChange, StatusChangeRollup

_CHANGES = StatusChange._meta.db_table
_ROLLUP = StatusChangeRollup._meta.db_table
_EVALUATIONS = RuleEvaluation._meta.db_table
_CHANGE_COLUMNS = ("evaluation_id", "rule_id", "data_source_id", "evaluated_at", "day", "old_status", "new_status")


def _utc_day(at):
    return at.astimezone(UTC).date()


def _in_order(link):
    return link[1], link[0]  # (evaluated_at, id): ties go to the later arrival


def period_starts(day):
    """[(period, first day of the period containing `day`)] for day, month and year."""
    return [
        (RollupPeriod.DAY, day),
        (RollupPeriod.MONTH, day.replace(day=1)),
        (RollupPeriod.YEAR, day.replace(month=1, day=1)),
    ]


def _chain(changes, pair, status, links):
    """Add to `changes` {evaluation id: (pair, evaluated_at, old, new)} for each link that
    changes the status; `links` are (id, evaluated_at, status) in order after `status`."""
    for pk, at, new in links:
        if new != status:
            changes[pk] = (pair, at, status, new)
        status = new


def record_batch(by_pair, latest):
    """Fold a batch into the status history.

    `by_pair`: {(rule_id, data_source_id): [RuleEvaluation with pk]}; `latest`: {pair:
    (evaluated_at, evaluation id, status)} of each pair's newest evaluation before the batch.
    Reads only the stored history (StatusChange, and on PostgreSQL RuleEvaluation before the
    batch goes in; elsewhere the batch's own rows are skipped by id), so it may run before
    or after the batch's rows are written.
    """
    wanted, stored, late = {}, {}, {}
    for pair, evaluations in by_pair.items():
        links = [(e.pk, e.evaluated_at, e.status) for e in evaluations]
        if len(links) > 1:
            links.sort(key=_in_order)
        before = latest.get(pair)
        if before is None or (links[0][1], links[0][0]) > (before[0], before[1]):
            _chain(wanted, pair, before[2] if before else "", links)
        else:
            late[pair] = links
    if late:
        _fold_late(wanted, stored, late, _neighbours(late))
    stale = [pk for pk, change in stored.items() if wanted.get(pk) != change]
    fresh = [pk for pk, change in wanted.items() if stored.get(pk) != change]
    deltas, rows = Counter(), []
    for sign, pks, changes in ((-1, stale, stored), (1, fresh, wanted)):
        for pk in pks:
            (rule_id, source_id), at, old, new = changes[pk]
            day = _utc_day(at)
            deltas[(day, rule_id, new)] += sign
            if old:
                deltas[(day, rule_id, old)] -= sign
            if sign > 0:
                rows.append((pk, rule_id, source_id, at, day, old, new))
    _delete_changes([(pk, stored[pk][1]) for pk in stale])
    _insert_changes(rows)
    add_to_rollups(deltas)


def _fold_late(wanted, stored, late, neighbours):
    """Add to `wanted` and `stored` the changes a late pair's batch makes and unmakes.

    Only two stored neighbours of each batch evaluation b matter: the stored status just
    before b, and the first stored evaluation s after b. The changes at stored evaluations
    further on keep their predecessor, so they stay as they are; s's predecessor becomes b
    (when no other batch evaluation comes between). So each late evaluation costs at most
    two index probes, however much history lies between a pair's late evaluations. And
    when b has the status just before it, s's change is the same either way, and so is the
    status the next batch evaluation follows: s is then not needed (nor probed).
    """
    for pair, links in late.items():
        for i, (pk, at, status) in enumerate(links):
            before, after = neighbours[pk]
            # The new chain's status before b: the previous batch evaluation's, unless a
            # stored evaluation comes between them (then the stored status just before b;
            # the same thing when the previous one repeated the status before it).
            previous = before
            if i:
                previous_status, (previous_before, previous_after) = links[i - 1][2], neighbours[links[i - 1][0]]
                if previous_status != previous_before and (
                    previous_after is None or _in_order(previous_after) > (at, pk)
                ):
                    previous = previous_status
            if status != previous:
                wanted[pk] = (pair, at, previous, status)
            if (
                status != before
                and after is not None
                and (i + 1 == len(links) or _in_order(after) < (links[i + 1][1], links[i + 1][0]))
            ):
                after_pk, after_at, after_status = after
                if after_status != before:
                    stored[after_pk] = (pair, after_at, before, after_status)
                if after_status != status:
                    wanted[after_pk] = (pair, after_at, status, after_status)


def _neighbours(late):
    """{batch evaluation id: (stored status just before it or "", first stored (id,
    evaluated_at, status) after it or None)} for every evaluation of the late pairs; on
    PostgreSQL "after" is None too where the status is the one before (see _fold_late)."""
    # Pairs in key order: neighbouring probes then read neighbouring index pages (a
    # backfill batch on 100M, fresh batches each: 1,391 -> 1,194 ms, median of six).
    probes = [(pair, link) for pair in sorted(late) for link in late[pair]]
    if connection.vendor == "postgresql":
        return _pg_neighbours(probes)
    batch = {link[0] for _, link in probes}
    found = {}
    for (rule_id, source_id), (pk, at, _) in probes:
        changes = StatusChange.objects.filter(rule_id=rule_id, data_source_id=source_id)
        before = (
            changes.filter(Q(evaluated_at__lt=at) | Q(evaluated_at=at, evaluation_id__lt=pk))
            .order_by("-evaluated_at", "-evaluation_id")
            .values_list("new_status", flat=True)
            .first()
        )
        after = (
            RuleEvaluation.objects.filter(rule_id=rule_id, data_source_id=source_id)
            .filter(Q(evaluated_at__gt=at) | Q(evaluated_at=at, id__gt=pk))
            .exclude(pk__in=batch)
            .order_by("evaluated_at", "id")
            .values_list("id", "evaluated_at", "status")
            .first()
        )
        found[pk] = (before or "", tuple(after) if after else None)
    return found


def _ordered_bounds(table, alias):
    """SQL bounding a probe of `table` to its bounded partitions (constants, so the DEFAULT
    partition is pruned when planning): the probe over every partition on one side of a
    time then reads them in order and stops at the first that answers, instead of a Merge
    Append starting a scan in each (3x faster for 10,000 probes over 14 partitions). Empty
    when the DEFAULT partition holds rows, which a bounded probe would miss."""
    span = partitions.span_without_default(table)
    if span is None:
        return ""
    lower, upper = span
    sql = f" AND {alias}.evaluated_at < '{upper.isoformat()}'::timestamptz"
    return sql if lower is None else sql + f" AND {alias}.evaluated_at >= '{lower.isoformat()}'::timestamptz"


def _pg_neighbours(probes):
    # Runs before the batch's rows are written (ingest.record_evaluations), so every
    # RuleEvaluation row it finds is stored history. The "before" side reads the
    # status_change_pair_time index alone; the "after" side (a heap fetch per partition it
    # touches) runs only where b changes the status: a separate branch of the UNION, as a
    # filter inside the lateral still set up its probe for every row. Each probe covers
    # every partition on its side of the time, read in order while _ordered_bounds can
    # rule the DEFAULT partition out (else merged: slower, the same answer).
    before = (
        f"(SELECT new_status FROM {_CHANGES} c WHERE c.rule_id = t.rule_id AND c.data_source_id = t.source_id "
        f"AND c.evaluated_at <= t.at {_ordered_bounds(_CHANGES, 'c')} "
        "AND (c.evaluated_at, c.evaluation_id) < (t.at, t.id) "
        "ORDER BY c.evaluated_at DESC, c.evaluation_id DESC LIMIT 1)"
    )
    after = (
        f"(SELECT e.id, e.evaluated_at, e.status FROM {_EVALUATIONS} e "
        "WHERE e.rule_id = t.rule_id AND e.data_source_id = t.source_id AND e.evaluated_at >= t.at "
        f"{_ordered_bounds(_EVALUATIONS, 'e')} AND (e.evaluated_at, e.id) > (t.at, t.id) "
        "ORDER BY e.evaluated_at, e.id LIMIT 1)"
    )
    found = bound.execute(
        f"""
            WITH t AS MATERIALIZED (
                SELECT t.*, COALESCE({before}, '') AS before
                FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::bigint[], %s::text[])
                     AS t(rule_id, source_id, at, id, status)
            )
            SELECT t.id, t.before, NULL::bigint, NULL::timestamptz, NULL::text FROM t WHERE t.status = t.before
            UNION ALL
            SELECT t.id, t.before, a.id, a.evaluated_at, a.status FROM t
            LEFT JOIN LATERAL {after} AS a ON true
            WHERE t.status <> t.before
            """,
        [
            [pair[0] for pair, _ in probes],
            [pair[1] for pair, _ in probes],
            [link[1] for _, link in probes],
            [link[0] for _, link in probes],
            [link[2] for _, link in probes],
        ],
        binary=True,
    )
    return {
        pk: (before or "", None if after_pk is None else (after_pk, at, status))
        for pk, before, after_pk, at, status in found
    }


def _delete_changes(keys):
    """Delete the StatusChange rows of `keys`, [(evaluation id, evaluated_at)]."""
    # Plain DELETEs: QuerySet.delete() would load every row first for the audit app's
    # global delete signals, which have nothing to record for derived rows.
    if not keys:
        return
    if connection.vendor == "postgresql":
        # One DELETE per partition, each on its own rows' ids (one statement: data-modifying
        # CTEs). `evaluation_id = ANY(ids)` on the parent probes every partition for every
        # id; a join on the partition key as well is pruned per row only while the planner
        # keeps a nested loop, and from ~1,000 rows it hashes every partition instead. On
        # bench-scale's 1M database, 300 / 1,500 / 5,000 rows: 3 / 13 / 25 ms, against
        # 39 / 49 / 109 (ANY on the parent) and 6 / 110 / 131 (the join).
        grouped = partitions.by_partition(_CHANGES, keys, key=itemgetter(1)) or {_CHANGES: keys}
        deletes = ", ".join(
            f"d{i} AS (DELETE FROM {connection.ops.quote_name(name)} WHERE evaluation_id = ANY(%s::bigint[]))"
            for i, name in enumerate(grouped)
        )
        bound.execute(f"WITH {deletes} SELECT 1", [[pk for pk, _ in group] for group in grouped.values()])
        return
    pks = [pk for pk, _ in keys]
    with connection.cursor() as cursor:
        for i in range(0, len(pks), 500):  # SQLite limits the variables of one statement
            chunk = pks[i : i + 500]
            cursor.execute(f"DELETE FROM {_CHANGES} WHERE evaluation_id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def _insert_changes(rows):
    """Insert StatusChange rows given as tuples in _CHANGE_COLUMNS order."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        adapt = connection.ops.adapt_datetimefield_value  # SQLite keeps timestamps as text
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {_CHANGES} ({', '.join(_CHANGE_COLUMNS)}) VALUES ({', '.join(['%s'] * 7)})",
                [
                    (pk, rule_id, source_id, adapt(at), day.isoformat(), old, new)
                    for pk, rule_id, source_id, at, day, old, new in rows
                ],
            )
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {_CHANGES} ({', '.join(_CHANGE_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


_ROLLUP_CONFLICT = (
    f"ON CONFLICT (period, start, rule_id, status) DO UPDATE SET pairs = {_ROLLUP}.pairs + EXCLUDED.pairs"
)


def add_to_rollups(deltas):
    """Add {(day, rule_id, status): pairs} to the day, month and year rows (one upsert, in
    key order so concurrent ingests lock shared rows in the same order and cannot deadlock)."""
    totals = Counter()
    for (day, rule_id, status), pairs in deltas.items():
        if pairs:
            for period, start in period_starts(day):
                totals[(period.value, start, rule_id, status)] += pairs
    keys = sorted(key for key, pairs in totals.items() if pairs)
    if not keys:
        return
    if connection.vendor == "postgresql":
        bound.execute(
            f"INSERT INTO {_ROLLUP} (period, start, rule_id, status, pairs) SELECT * FROM "
            f"unnest(%s::text[], %s::date[], %s::bigint[], %s::text[], %s::int[]) {_ROLLUP_CONFLICT}",
            [
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                [k[3] for k in keys],
                [totals[k] for k in keys],
            ],
        )
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_ROLLUP} (period, start, rule_id, status, pairs) "
            f"VALUES (%s, %s, %s, %s, %s) {_ROLLUP_CONFLICT}",
            [(k[0], k[1].isoformat(), k[2], k[3], totals[k]) for k in keys],
        )


def forget(*, rule_id=None, data_source_id=None):
    """Take a rule's or data source's history out before its evaluations cascade away."""
    with connection.cursor() as cursor:
        if rule_id is not None:
            cursor.execute(f"DELETE FROM {_CHANGES} WHERE rule_id = %s", [rule_id])
            cursor.execute(f"DELETE FROM {_ROLLUP} WHERE rule_id = %s", [rule_id])
            return
        # Every rule id as well: the pair index is then walked once per (rule, this source).
        rule_ids = list(ComplianceRule.objects.values_list("pk", flat=True))
        deltas = Counter()
        for day, rule, old, new, n in (
            StatusChange.objects.filter(rule_id__in=rule_ids, data_source_id=data_source_id)
            .values_list("day", "rule_id", "old_status", "new_status")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            deltas[(day, rule, new)] -= n
            if old:
                deltas[(day, rule, old)] += n
        add_to_rollups(deltas)
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {_CHANGES} WHERE rule_id = ANY(%s) AND data_source_id = %s", [rule_ids, data_source_id]
            )
        else:
            cursor.execute(f"DELETE FROM {_CHANGES} WHERE data_source_id = %s", [data_source_id])


def _sql(postgresql, sqlite):
    return postgresql if connection.vendor == "postgresql" else sqlite  # SQLite keeps UTC timestamps as text


@transaction.atomic
def rebuild_status_history():
    """Recompute the status history from every stored evaluation, in SQL (backfills and
    repairs; ingest keeps it exact on its own). Returns the StatusChange rows written."""
    day = _sql("(evaluated_at AT TIME ZONE 'UTC')::date", "date(evaluated_at)")
    coarser = {
        RollupPeriod.MONTH: _sql("date_trunc('month', start)::date", "date(start, 'start of month')"),
        RollupPeriod.YEAR: _sql("date_trunc('year', start)::date", "date(start, 'start of year')"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_ROLLUP}")
        cursor.execute(f"DELETE FROM {_CHANGES}")
        cursor.execute(
            f"""
            INSERT INTO {_CHANGES} ({", ".join(_CHANGE_COLUMNS)})
            SELECT id, rule_id, data_source_id, evaluated_at, {day}, COALESCE(previous, ''), status
            FROM (SELECT id, rule_id, data_source_id, evaluated_at, status,
                         LAG(status) OVER (PARTITION BY rule_id, data_source_id ORDER BY evaluated_at, id) AS previous
                  FROM {_EVALUATIONS}) AS chain
            WHERE previous IS NULL OR previous <> status
            """
        )
        written = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO {_ROLLUP} (period, start, rule_id, status, pairs)
            SELECT %s, day, rule_id, status, SUM(delta) FROM (
                SELECT day, rule_id, new_status AS status, 1 AS delta FROM {_CHANGES}
                UNION ALL SELECT day, rule_id, old_status, -1 FROM {_CHANGES} WHERE old_status <> ''
            ) AS moves GROUP BY day, rule_id, status HAVING SUM(delta) <> 0
            """,
            [RollupPeriod.DAY.value],
        )
        for period, start in coarser.items():  # from the day rows: far fewer than the changes
            cursor.execute(
                f"INSERT INTO {_ROLLUP} (period, start, rule_id, status, pairs) "
                f"SELECT %s, {start}, rule_id, status, SUM(pairs) FROM {_ROLLUP} WHERE period = %s "
                f"GROUP BY {start}, rule_id, status HAVING SUM(pairs) <> 0",
                [period.value, RollupPeriod.DAY.value],
            )
    return written
