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
arrival also moves the history after it: its pair's stored evaluations around the batch
are read back (one statement for every late pair), and the changes there before and
after the batch are both derived from them, so only the difference is written.
"""

from collections import Counter, defaultdict
from datetime import UTC

from django.db import connection, transaction
from django.db.models import Count

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
    """Fold a stored batch into the status history.

    `by_pair`: {(rule_id, data_source_id): [RuleEvaluation with pk]}; `latest`: {pair:
    (evaluated_at, evaluation id, status)} of each pair's newest evaluation before the batch.
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
            late[pair] = (links[0][1], links[-1][1])
    if late:
        batch_ids = {e.pk for pair in late for e in by_pair[pair]}
        for pair, (previous, links) in _windows(late).items():
            _chain(wanted, pair, previous, links)
            _chain(stored, pair, previous, [link for link in links if link[0] not in batch_ids])
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
    _delete_changes(stale)
    _insert_changes(rows)
    add_to_rollups(deltas)


def _windows(late):
    """{pair: (status before the window, [(id, evaluated_at, status)])} for late pairs.

    The window is every stored evaluation of the pair from its batch's first to its last
    timestamp, plus the first one after it. The status before it is that of the pair's
    last change before it ("" if none), read from the status_change_pair_time index alone.
    """
    if connection.vendor == "postgresql":
        rows = _pg_windows(late)
    else:
        rows = []
        for pair, (first, last) in late.items():
            of_pair = RuleEvaluation.objects.filter(rule_id=pair[0], data_source_id=pair[1])
            before = StatusChange.objects.filter(rule_id=pair[0], data_source_id=pair[1], evaluated_at__lt=first)
            probes = (
                (
                    0,
                    before.order_by("-evaluated_at", "-evaluation_id")[:1].values_list(
                        "pk", "evaluated_at", "new_status"
                    ),
                ),
                (
                    1,
                    of_pair.filter(evaluated_at__gte=first, evaluated_at__lte=last).values_list(
                        "id", "evaluated_at", "status"
                    ),
                ),
                (
                    2,
                    of_pair.filter(evaluated_at__gt=last)
                    .order_by("evaluated_at", "id")[:1]
                    .values_list("id", "evaluated_at", "status"),
                ),
            )
            for part, queryset in probes:
                rows += [(pair[0], pair[1], part, *link) for link in queryset]
    windows = defaultdict(lambda: ["", []])
    for rule_id, source_id, part, pk, at, status in rows:
        window = windows[(rule_id, source_id)]
        if part == 0:
            window[0] = status
        else:
            window[1].append((pk, at, status))
    for window in windows.values():
        window[1].sort(key=_in_order)
    return {pair: tuple(window) for pair, window in windows.items()}


def _pg_windows(late):
    pairs = list(late)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT t.rule_id, t.source_id, e.part, e.id, e.evaluated_at, e.status
            FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::timestamptz[])
                 AS t(rule_id, source_id, first_at, last_at)
            CROSS JOIN LATERAL (
                (SELECT 0 AS part, evaluation_id AS id, evaluated_at, new_status AS status FROM {_CHANGES}
                 WHERE rule_id = t.rule_id AND data_source_id = t.source_id AND evaluated_at < t.first_at
                 ORDER BY evaluated_at DESC, evaluation_id DESC LIMIT 1)
                UNION ALL
                (SELECT 1, id, evaluated_at, status FROM {_EVALUATIONS}
                 WHERE rule_id = t.rule_id AND data_source_id = t.source_id
                   AND evaluated_at BETWEEN t.first_at AND t.last_at)
                UNION ALL
                (SELECT 2, id, evaluated_at, status FROM {_EVALUATIONS}
                 WHERE rule_id = t.rule_id AND data_source_id = t.source_id AND evaluated_at > t.last_at
                 ORDER BY evaluated_at, id LIMIT 1)
            ) AS e
            """,
            [[p[0] for p in pairs], [p[1] for p in pairs], [late[p][0] for p in pairs], [late[p][1] for p in pairs]],
        )
        return cursor.fetchall()


def _delete_changes(pks):
    # Plain DELETEs: QuerySet.delete() would load every row first for the audit app's
    # global delete signals, which have nothing to record for derived rows.
    if not pks:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {_CHANGES} WHERE evaluation_id = ANY(%s)", [pks])
            return
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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
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
        else:
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
