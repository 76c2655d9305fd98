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

from .conversion import convert_to_partitioned, split_oldest, wide_partitions
from .core import (
    _REGISTRY,
    INTERVALS,
    Partition,
    PartitionedTable,
    by_partition,
    create_ahead,
    default_rows,
    ensure_partitions,
    interval,
    interval_start,
    is_partitioned,
    next_start,
    partition_name,
    partitions,
    register,
    registered,
    span_without_default,
    spec,
)
from .retention import RetentionBlocked, drop_older_than, drop_partition, expired

__all__ = [
    "INTERVALS",
    "_REGISTRY",
    "Partition",
    "PartitionedTable",
    "RetentionBlocked",
    "by_partition",
    "convert_to_partitioned",
    "create_ahead",
    "default_rows",
    "drop_older_than",
    "drop_partition",
    "ensure_partitions",
    "expired",
    "interval",
    "interval_start",
    "is_partitioned",
    "next_start",
    "partition_name",
    "partitions",
    "register",
    "registered",
    "span_without_default",
    "spec",
    "split_oldest",
    "wide_partitions",
]
