"""Looking at partitioned tables from tests (PostgreSQL)."""

from django.db import connection

from common import partitions


def covering(table, at):
    """Names of the (non-default) partitions of `table` whose range holds `at`."""
    return [p.name for p in partitions.partitions(table) if not p.is_default and p.lower <= at < p.upper]


def primary_key_columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index x JOIN pg_attribute a "
            "ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey) WHERE x.indrelid = %s::regclass "
            "AND x.indisprimary",
            [table],
        )
        return cursor.fetchone()[0]
