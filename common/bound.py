"""Statements whose parameters are big arrays, sent with server-side binding on PostgreSQL.

Django's psycopg backend binds parameters on the client: psycopg renders every value as an
SQL literal in Python, so a statement over `unnest()` of ten 10,000-element arrays spent
longer quoting them (~0.6 s a live ingest batch, ~2.5 s a backfill one) than PostgreSQL
spent running it. A plain psycopg cursor sends them as parameters instead, arrays in
binary: no quoting, no parsing on the server.

One statement per call, never several: the extended protocol takes one. Whatever the audit
backend holds back for the next round trip (a folded BEGIN, pending audit INSERTs) is sent
first, so the statement runs in the transaction, after them, as through a Django cursor.
The cursor is Django's wrapper around the psycopg one, so the statement is logged and
counted (CaptureQueriesContext) like any other. Other databases get a Django cursor.

`binary=True` asks for results in binary too: psycopg's C loaders read timestamps many
times faster than the Python loader Django registers for text ones (0.16 s for the 5,000
latest-state rows of a batch). Only for plain columns (numbers, text, timestamps, dates):
Django's field converters (JSON, encrypted fields) expect the text form.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def bound_cursor(*, binary=False):
    """A cursor whose `execute(sql, params)` binds on the server (PostgreSQL; %s placeholders)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    flush = getattr(connection, "flush_pending", None)  # the audit backend's piggyback queue
    if flush is not None:
        flush()
    raw = psycopg.Cursor(connection.connection)
    if binary:
        raw.format = psycopg.pq.Format.BINARY
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield wrapped
    finally:
        raw.close()


def execute(sql, params, *, binary=False):
    """Run one statement with server-side binding; returns its rows if it returns any."""
    with bound_cursor(binary=binary) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


@contextmanager
def staged(name, columns, rows):
    """PostgreSQL: a temporary table `name` holding `rows`, sent with COPY, for one statement
    to read (an upsert joining it); dropped afterwards, and with the transaction in any case.

    `columns` is [(name, SQL type)]. For tens of thousands of rows this beats binding them
    as arrays: psycopg's COPY writes rows in C, while its array dumper walks every element
    in Python (~0.3 s for the 22,000 rollup rows of a backfill batch).
    """
    definition = ", ".join(f"{column} {kind}" for column, kind in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        try:
            yield cursor
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
