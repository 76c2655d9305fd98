"""Partitioned tables' registry, intervals and partitions: listing them and creating them
(ahead of time, and for a writer's batch), and the DEFAULT partition's guard count."""

import logging
import re
import zlib
from bisect import bisect_right
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


def by_partition(table, items, key):
    """{partition name: [item, ...]}: each item under the partition that holds `key(item)`
    (a time), its bounded partition or else the DEFAULT one. One catalog query; {} when the
    table is not partitioned.

    For statements that must touch each row in its own partition: a lookup by anything but
    the partition key otherwise probes every partition for every row, and a join on the
    key as well is pruned per row only while the planner keeps a nested loop.
    """
    found = partitions(table)
    if not found:
        return {}
    bounded = [p for p in found if not p.is_default]
    uppers = [p.upper for p in bounded]
    default = next((p.name for p in found if p.is_default), None)
    grouped = {}
    for item in items:
        at = key(item)
        i = bisect_right(uppers, at)  # the first partition ending after `at`
        if i < len(bounded) and (bounded[i].lower is None or bounded[i].lower <= at):
            name = bounded[i].name
        elif default is not None:
            name = default
        else:
            raise ValueError(f"{at.isoformat()} falls in no partition of {table}")
        grouped.setdefault(name, []).append(item)
    return grouped


def span_without_default(table):
    """(lower, upper) of the table's bounded partitions when its DEFAULT partition is empty.

    A query bounded by it has the DEFAULT partition pruned when it is planned, which lets
    PostgreSQL read the other partitions in order (an ordered Append, stopping at the
    first that answers an ORDER BY ... LIMIT) rather than merge all of them. None when
    the table is not partitioned, has no bounded partition, or the DEFAULT holds rows
    (bounding a query would then miss them). A MINVALUE lower bound is None.
    """
    found = partitions(table)
    bounded = [p for p in found if not p.is_default]
    if not bounded:
        return None
    default = next((p for p in found if p.is_default), None)
    if default is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_quote(default.name)})")
            if cursor.fetchone()[0]:
                return None
    lowers = [p.lower for p in bounded]
    return (None if None in lowers else min(lowers)), max(p.upper for p in bounded)


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
