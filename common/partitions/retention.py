"""Retention: whole partitions past their table's retention leave, after verification."""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .conversion import split_oldest, wide_partitions
from .core import _lock, _quote, interval_start, is_partitioned, next_start, partitions, spec


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
        wide = wide_partitions(table)
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
