"""Time-range partitioned tables on PostgreSQL's declarative partitioning.

An app registers each append-mostly table that grows with time (`register`), and turns
it into a partitioned table with a migration calling `convert_to_partitioned`: the
existing table, data and all, becomes one "legacy" partition (renamed, attached behind a
validated CHECK so no row is moved), beside a DEFAULT partition and partitions created
ahead. `split_oldest` then peels the legacy partition one interval at a time (the
`partitions` command, in steps, at a quiet hour). From then on:

- `create_ahead` (a beat task of the site) keeps partitions created PARTITION_AHEAD
  intervals ahead, and writers call `ensure_partitions` for a batch's time span first, so
  no insert ever needs the DEFAULT partition; that one exists only as a guard, and
  `default_rows` (shown by /healthz) says when something landed there anyway.
- `drop_older_than` detaches and drops whole partitions past their retention, after the
  table's registered `verify` callable says what is derived from them is complete.

The interval (PARTITION_INTERVAL: day, week, month or year; month by default) is read
when partitions are created: partitions made under another interval stay as they are.
Other databases (the embedded SQLite mode) keep plain tables: every function here is a
no-op there, and `is_partitioned` is False.
"""

import logging
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)
INTERVALS = ("day", "week", "month", "year")
_LOCK_NAMESPACE = 0x50415254  # "PART": advisory locks that serialise partition DDL per table
_BOUND = re.compile(r"FOR VALUES FROM \((?P<lower>[^)]*)\) TO \((?P<upper>[^)]*)\)")


@dataclass(frozen=True)
class PartitionedTable:
    table: str
    column: str
    # verify(partition) -> list of problems (empty when what is derived from its rows is
    # complete); None: the table has no derived state and its partitions may just go.
    verify: object = None
    # The setting naming how many days of rows are kept; None keeps them forever.
    retention_setting: str | None = None
    # before_drop(partition): clear references into the partition (e.g. nullable ids).
    before_drop: object = None
    # on_create(name): what PostgreSQL does not copy from the parent to a new partition
    # (statement-level triggers such as BEFORE TRUNCATE).
    on_create: object = None
    # False: rows that landed in the DEFAULT partition must not be moved out by a DELETE and
    # an INSERT (the audit log's triggers refuse the one and would seal the other again).
    movable: bool = True


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime | None  # None: MINVALUE, or the DEFAULT partition
    upper: datetime | None
    is_default: bool = False


_REGISTRY: dict[str, PartitionedTable] = {}


def register(table, column, *, verify=None, retention_setting=None, before_drop=None, on_create=None, movable=True):
    _REGISTRY[table] = PartitionedTable(table, column, verify, retention_setting, before_drop, on_create, movable)


def registered():
    return list(_REGISTRY.values())


def spec(table):
    return _REGISTRY[table]


def _postgres():
    return connection.vendor == "postgresql"


def interval():
    name = getattr(settings, "PARTITION_INTERVAL", "month")
    if name not in INTERVALS:
        raise ValueError(f"PARTITION_INTERVAL must be one of {', '.join(INTERVALS)}, not {name!r}.")
    return name


def interval_start(at, name=None):
    """The first instant (UTC) of the interval holding `at`."""
    name = name or interval()
    at = at.astimezone(UTC)
    day = datetime(at.year, at.month, at.day, tzinfo=UTC)
    if name == "day":
        return day
    if name == "week":
        return day - timedelta(days=day.weekday())
    if name == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_start(start, name=None):
    """The first instant of the interval after the one starting at `start`."""
    name = name or interval()
    if name == "day":
        return start + timedelta(days=1)
    if name == "week":
        return start + timedelta(days=7)
    if name == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


def partition_name(table, lower):
    return f"{table}_p{lower.astimezone(UTC):%Y%m%d}"


def _quote(name):
    return connection.ops.quote_name(name)


def _parse_bound(text):
    text = text.strip()
    if text in ("MINVALUE", "MAXVALUE"):
        return None
    return datetime.fromisoformat(text.strip("'")).astimezone(UTC)


def is_partitioned(table):
    if not _postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
        return cursor.fetchone() is not None


def partitions(table):
    """The table's partitions, oldest first, the DEFAULT one last ([] if not partitioned).

    One catalog query (bounds print in the session's time zone, UTC under Django)."""
    if not _postgres():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) AND c.relispartition",
            [table],
        )
        rows = cursor.fetchall()
    found = []
    for name, bound in rows:
        if bound == "DEFAULT":
            found.append(Partition(name, None, None, is_default=True))
            continue
        match = _BOUND.fullmatch(bound)
        found.append(Partition(name, _parse_bound(match["lower"]), _parse_bound(match["upper"])))
    minimum = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda p: (p.is_default, p.lower or minimum))
    return found


def _lock(table):
    # Transaction-scoped: two writers creating the same missing partition take turns.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, zlib.crc32(table.encode()) >> 1])


def _gaps(existing, lower, upper):
    """Sub-ranges of [lower, upper) no existing bounded partition covers."""
    gaps, cursor_at = [], lower
    for part in existing:
        if part.is_default:
            continue
        part_lower = part.lower or datetime.min.replace(tzinfo=UTC)
        part_upper = part.upper or datetime.max.replace(tzinfo=UTC)
        if part_upper <= cursor_at or part_lower >= upper:
            continue
        if part_lower > cursor_at:
            gaps.append((cursor_at, part_lower))
        cursor_at = max(cursor_at, part_upper)
        if cursor_at >= upper:
            break
    if cursor_at < upper:
        gaps.append((cursor_at, upper))
    return gaps


def _create(table, lower, upper, default=None):
    """CREATE one partition; rows that landed in the DEFAULT partition in its range move in.

    PostgreSQL refuses a new partition while the default one holds rows of its range, so
    those rows are taken out (into a temporary table) and put back through the parent.
    """
    name = partition_name(table, lower)
    column = _quote(spec(table).column) if table in _REGISTRY else None
    q = _quote(table)
    with connection.cursor() as cursor:
        stranded = False
        if default is not None and column is not None:
            where = f"{column} >= %s AND {column} < %s"
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_quote(default.name)} WHERE {where})", [lower, upper])
            stranded = cursor.fetchone()[0]
            if stranded and not spec(table).movable:
                raise ValueError(
                    f"{default.name} holds rows from {lower:%Y-%m-%d} to {upper:%Y-%m-%d}: they cannot be moved, "
                    "so that partition is not created (see docs/scaling.md)."
                )
            if stranded:
                cursor.execute(f"CREATE TEMPORARY TABLE partition_rescue (LIKE {q}) ON COMMIT DROP")
                cursor.execute(
                    f"WITH moved AS (DELETE FROM {_quote(default.name)} WHERE {where} RETURNING *) "
                    "INSERT INTO partition_rescue SELECT * FROM moved",
                    [lower, upper],
                )
        cursor.execute(f"CREATE TABLE {_quote(name)} PARTITION OF {q} FOR VALUES FROM (%s) TO (%s)", [lower, upper])
        if table in _REGISTRY and _REGISTRY[table].on_create:
            _REGISTRY[table].on_create(name)
        if stranded:
            cursor.execute(f"INSERT INTO {q} SELECT * FROM partition_rescue")
            cursor.execute("DROP TABLE partition_rescue")
    return name


def ensure_partitions(table, first, last):
    """Make sure a partition holds every instant from `first` to `last` (inclusive).

    Cheap when they exist (one catalog query); otherwise creates one partition per
    missing interval, under a per-table advisory lock, in the caller's transaction.
    Returns the names created.
    """
    lower = interval_start(first)
    upper = next_start(interval_start(last))
    existing = partitions(table)
    if not existing or not _gaps(existing, lower, upper):
        return []
    created = []
    with transaction.atomic():
        _lock(table)
        existing = partitions(table)
        default = next((p for p in existing if p.is_default), None)
        for gap_lower, gap_upper in _gaps(existing, lower, upper):
            start = gap_lower
            while start < gap_upper:
                end = min(next_start(interval_start(start)), gap_upper)
                created.append(_create(table, start, end, default))
                start = end
    return created


def create_ahead(now=None):
    """Partitions for this interval and PARTITION_AHEAD more, for every registered table."""
    now = now or timezone.now()
    ahead = getattr(settings, "PARTITION_AHEAD", 3)
    last = interval_start(now)
    for _ in range(ahead):
        last = next_start(last)
    created = {}
    for item in registered():
        try:
            created[item.table] = ensure_partitions(item.table, now, last)
        except ValueError:
            # A table whose DEFAULT rows cannot move (the audit log): the others still get
            # theirs, and /healthz shows the rows that block this one.
            logger.exception("partitions of %s not created ahead", item.table)
            created[item.table] = []
    return created


def default_rows():
    """{table: rows in its DEFAULT partition} for every registered partitioned table."""
    counts = {}
    for item in registered():
        default = next((p for p in partitions(item.table) if p.is_default), None)
        if default is None:
            continue
        with connection.cursor() as cursor:
            # EXISTS first: the guard is empty in a healthy database, and /healthz must stay cheap.
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_quote(default.name)} LIMIT 1000) AS d")
            counts[item.table] = cursor.fetchone()[0]
    return counts


def convert_to_partitioned(table, column, *, pk="id", keep_foreign_keys=False):
    """Turn a plain table into one partitioned by range of `column`, keeping every row.

    The table is renamed to <table>_legacy and attached as one partition spanning its
    rows' intervals, from the first through the current one, behind a CHECK validated
    beforehand (so ATTACH moves nothing). The primary key becomes (pk, column): a
    partitioned table's unique keys must hold its partition key; that unique index is
    the one build that reads every row. Indexes keep their names on the new table; the
    legacy partition's own are attached to them, not rebuilt. The id sequence carries
    on. Foreign keys pointing at the table must be dropped first (db_constraint=False).

    keep_foreign_keys: the table's own foreign keys are declared again on the new parent,
    so every partition made later has them too (PostgreSQL adopts the legacy partition's
    identical constraint instead of checking its rows again). Without it only the legacy
    partition keeps them: compliance 0007 ran that way, and stays so for databases made
    since.
    """
    if not _postgres() or is_partitioned(table):
        return
    legacy = f"{table}_legacy"
    q, qc, ql = _quote(table), _quote(column), _quote(legacy)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min({qc}), max({qc}) FROM {q}")
        oldest, newest = cursor.fetchone()
        now = timezone.now()
        lower = interval_start(oldest or now)
        upper = next_start(interval_start(max(newest or now, now)))
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid), x.indisprimary, con.conname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid "
            "WHERE x.indrelid = to_regclass(%s)",
            [table],
        )
        indexes = cursor.fetchall()
        foreign_keys = []
        if keep_foreign_keys:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
                "AND contype = 'f' ORDER BY conname",
                [table],
            )
            foreign_keys = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
        (sequence,) = cursor.fetchone()
        next_id = 1
        if sequence:
            cursor.execute(f"SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM {sequence}")
            next_id = cursor.fetchone()[0]
            cursor.execute(f"SELECT coalesce(max({_quote(pk)}), 0) + 1 FROM {q}")
            next_id = max(next_id, cursor.fetchone()[0])
        cursor.execute(f"ALTER TABLE {q} RENAME TO {ql}")
        for name, _definition, primary, constraint in indexes:
            if primary:
                cursor.execute(f"ALTER TABLE {ql} DROP CONSTRAINT {_quote(constraint)}")
            elif constraint:
                raise ValueError(f"{table}: unique constraint {constraint} must be dropped or include {column}.")
            else:
                cursor.execute(f"ALTER INDEX {_quote(name)} RENAME TO {_quote(_legacy_name(name))}")
        cursor.execute(
            f"ALTER TABLE {ql} ADD CONSTRAINT {_quote(_legacy_name(table + '_pkey'))} PRIMARY KEY ({_quote(pk)}, {qc})"
        )
        if sequence:
            cursor.execute(f"ALTER TABLE {ql} ALTER COLUMN {_quote(pk)} DROP IDENTITY IF EXISTS")
        cursor.execute(
            f"CREATE TABLE {q} (LIKE {ql} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) "
            f"PARTITION BY RANGE ({qc})"
        )
        if sequence:
            cursor.execute(
                f"ALTER TABLE {q} ALTER COLUMN {_quote(pk)} ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {next_id})"
            )
        cursor.execute(f"ALTER TABLE {q} ADD CONSTRAINT {_quote(table + '_pkey')} PRIMARY KEY ({_quote(pk)}, {qc})")
        for _name, definition, primary, _constraint in indexes:
            if not primary:
                # "CREATE INDEX name ON public.table USING ..." -> the same on the new parent,
                # which has no partition yet: ATTACH then adopts the legacy table's copy.
                cursor.execute(re.sub(r" ON (\S+) USING ", f" ON {q} USING ", definition, count=1))
        bounds = _quote(_legacy_name(table + "_bounds"))
        cursor.execute(
            f"ALTER TABLE {ql} ADD CONSTRAINT {bounds} CHECK ({qc} >= %s AND {qc} < %s)",
            [lower, upper],
        )
        cursor.execute(f"ALTER TABLE {q} ATTACH PARTITION {ql} FOR VALUES FROM (%s) TO (%s)", [lower, upper])
        cursor.execute(f"ALTER TABLE {ql} DROP CONSTRAINT {bounds}")
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {q} ADD CONSTRAINT {_quote(name)} {definition}")
        cursor.execute(f"CREATE TABLE {_quote(table + '_default')} PARTITION OF {q} DEFAULT")
    last = upper
    for _ in range(getattr(settings, "PARTITION_AHEAD", 3)):
        last = next_start(last)
    ensure_partitions(table, upper, last - timedelta(microseconds=1))


def _legacy_name(name):
    return f"{name[:55]}_legacy"


def split_oldest(table):
    """Peel the oldest interval off the table's oldest partition spanning more than one
    (the legacy partition), into a partition of its own; returns its name, or None.

    One transaction: detach, copy the interval's rows out, delete them, re-check and
    re-attach what is left. It holds the table's lock for as long as one interval's rows
    take to copy; run it in steps (`manage.py partitions split --steps N`).
    """
    if not is_partitioned(table):
        return None
    if not spec(table).movable:
        raise ValueError(f"{table}: its rows cannot be moved between partitions, so it is not split.")
    column = _quote(spec(table).column)
    wide = [
        p
        for p in partitions(table)
        if not p.is_default and p.lower and p.upper and next_start(interval_start(p.lower)) < p.upper
    ]
    if not wide:
        return None
    part = wide[0]
    middle = next_start(interval_start(part.lower))
    q, qp = _quote(table), _quote(part.name)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(table)
        cursor.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        (columns,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {q} DETACH PARTITION {qp}")
        name = _create(table, part.lower, middle)
        where = f"{column} >= %s AND {column} < %s"
        cursor.execute(
            f"INSERT INTO {_quote(name)} ({columns}) SELECT {columns} FROM {qp} WHERE {where}", [part.lower, middle]
        )
        cursor.execute(f"DELETE FROM {qp} WHERE {where}", [part.lower, middle])
        bounds = _quote(f"{part.name[:50]}_bounds")
        cursor.execute(
            f"ALTER TABLE {qp} ADD CONSTRAINT {bounds} CHECK ({column} >= %s AND {column} < %s)", [middle, part.upper]
        )
        cursor.execute(f"ALTER TABLE {q} ATTACH PARTITION {qp} FOR VALUES FROM (%s) TO (%s)", [middle, part.upper])
        cursor.execute(f"ALTER TABLE {qp} DROP CONSTRAINT {bounds}")
    return name


class RetentionBlocked(Exception):
    """A partition past retention whose derived state is not complete: it is kept."""


def _retention_days(item, days):
    if days is not None:
        return days
    return None if item.retention_setting is None else getattr(settings, item.retention_setting)


def expired(table, now=None, *, days=None):
    """The bounded partitions of `table` wholly older than its retention (`days`, else its
    setting; [] if kept forever)."""
    days = _retention_days(spec(table), days)
    if days is None or not is_partitioned(table):
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return [p for p in partitions(table) if not p.is_default and p.upper is not None and p.upper <= cutoff]


def drop_partition(table, part):
    """Verify, then detach and drop one partition (never a row-by-row DELETE)."""
    item = spec(table)
    with transaction.atomic():
        _lock(table)
        problems = item.verify(part) if item.verify else []
        if problems:
            raise RetentionBlocked(f"{part.name}: " + "; ".join(problems))
        if item.before_drop:
            item.before_drop(part)
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {_quote(table)} DETACH PARTITION {_quote(part.name)}")
            cursor.execute(f"DROP TABLE {_quote(part.name)}")


def drop_older_than(table, now=None, *, days=None):
    """Drop every partition past retention (`days`, else the table's setting), first
    splitting the legacy partition where its oldest interval is past it. Returns (dropped
    names, {name: problem}), oldest first."""
    days = _retention_days(spec(table), days)
    if days is None or not is_partitioned(table):
        return [], {}
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    while spec(table).movable:  # a table whose rows cannot move keeps its legacy partition whole
        wide = [
            p
            for p in partitions(table)
            if not p.is_default and p.lower and p.upper and next_start(interval_start(p.lower)) < p.upper
        ]
        if not wide or next_start(interval_start(wide[0].lower)) > cutoff:
            break
        split_oldest(table)
    dropped, blocked = [], {}
    for part in expired(table, now, days=days):
        try:
            drop_partition(table, part)
        except RetentionBlocked as exc:
            blocked[part.name] = str(exc)
            continue
        dropped.append(part.name)
    return dropped, blocked
