"""Django's PostgreSQL backend, with audit entries sent in the next round trip there is.

An audited write inside a transaction leaves its entry's INSERT pending here instead of
making a round trip of its own. The pending INSERTs go out in the same message as the
transaction's next statement, or as its COMMIT: one simple-protocol query, so one round
trip for both. Everything later in the transaction (a read of the audit log, a savepoint,
a rollback to one) therefore sees them exactly as if they had been sent at once, and a
rollback discards them with the rest of the transaction. If an INSERT fails, the server
skips what follows it in that message (the statement, or the COMMIT), the transaction is
aborted and the error raised: a failed audit write still fails the change.

The transaction the audit opens around an autocommit save (audit.receivers) has its
BEGIN folded the same way, into the save's own statement: psycopg stays in autocommit
and this backend sends BEGIN. Raw driver access (cursor.cursor: COPY, ...) sends a
folded BEGIN first, so nothing runs outside the transaction.
"""

from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper, debug_transaction
from psycopg import adapt, errors, generators, pq


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit_pending = []  # (sql, params, entry) in write order
        self._audit_transformer = None  # psycopg's adaptation context for sending them, per connection
        self._fold_begin = False  # the next atomic block's BEGIN goes with its first statement
        self.begin_pending = False  # BEGIN is folded and has not been sent yet

    def defer_audit_insert(self, sql, params, entry):
        """Queue the statement that writes one entry and returns its id; its pk is set when it is sent."""
        self.audit_pending.append((sql, params, entry))

    def fold_next_begin(self):
        """Send the next transaction's BEGIN with its first statement instead of on its own."""
        self._fold_begin = True

    def _start_transaction_under_autocommit(self):
        # Django calls this, where a backend has it, to open an outermost atomic block.
        fold, self._fold_begin = self._fold_begin, False
        conn = self.connection
        if fold and conn.isolation_level is None and conn.read_only is None and conn.deferrable is None:
            self.begin_pending = True  # a plain BEGIN is what psycopg would have sent
        else:
            with debug_transaction(self, "BEGIN"):
                self._set_autocommit(False)

    def take_pending(self):
        """What is waiting to go ahead of the next statement, as one SQL text and its parameters.

        Returns (begin sent?, pending entries, sql, params); both queues are emptied.
        """
        begin, self.begin_pending = self.begin_pending, False
        pending, self.audit_pending = self.audit_pending, []
        statements = ["BEGIN"] if begin else []
        statements += [statement for statement, _, _ in pending]
        params = [value for _, values, _ in pending for value in values]
        return begin, pending, ";\n".join(statements), params

    @staticmethod
    def read_pending_results(cursor, begin, pending):
        """Skip BEGIN's result and take the entries' ids, leaving `cursor` on the next result."""
        if begin:
            cursor.nextset()
        for _, _, entry in pending:
            entry.pk = cursor.fetchone()[0]
            cursor.nextset()

    def flush_pending(self):
        """Send a folded BEGIN and the pending entries now, on their own (nothing when there are none)."""
        if self.begin_pending or self.audit_pending:
            self._send_pending(suffix="")

    def _commit(self):
        if self.connection is None or not self.audit_pending:
            # A folded BEGIN that never went out opened no transaction: nothing to commit.
            self.begin_pending = False
            return super()._commit()
        # One message: if an INSERT fails, the server skips the COMMIT.
        return self._send_pending(suffix=";\nCOMMIT")

    def _send_pending(self, *, suffix):
        """Send what is pending (and `suffix`) as one query straight through libpq.

        Not through a cursor: nothing of it is for the caller to read, and a cursor's
        per-query set-up (adaptation context, result loaders, fetchone/nextset) was a
        third of the client's cost of an audited COMMIT. Each parameter becomes the SQL
        literal psycopg's client-side binding makes of it, as through a Django cursor; the
        text around them is this module's own and has no other %. `psycopg.generators`
        is psycopg's own (undocumented) way of reading every result of a query; every
        audited COMMIT of the suite goes through here, so a psycopg upgrade that changes
        it fails the tests at once rather than quietly.
        """
        begin, pending, sql, params = self.take_pending()
        sql += suffix
        with debug_transaction(self, sql), self.wrap_database_errors:
            conn = self.connection
            transformer = self._audit_transformer
            if transformer is None or transformer.connection is not conn:
                transformer = self._audit_transformer = adapt.Transformer(conn)
            as_literal = transformer.as_literal
            literals = tuple([b"NULL" if value is None else as_literal(value) for value in params])
            conn.pgconn.send_query(sql.encode() % literals)
            results = conn.wait(generators.execute(conn.pgconn))
            for result in results:
                if result.status == pq.ExecStatus.FATAL_ERROR:
                    # The server skipped the rest of the query: the COMMIT did not happen.
                    raise errors.error_from_result(result, encoding=conn.info.encoding)
            for (_, _, entry), result in zip(pending, results[1:] if begin else results, strict=False):
                entry.pk = int(result.get_value(0, 0))

    def _rollback(self):
        self.audit_pending, self.begin_pending = [], False
        return super()._rollback()

    def _close(self):
        self.audit_pending, self.begin_pending = [], False
        self._audit_transformer = None
        return super()._close()

    def make_cursor(self, cursor):
        return PiggybackCursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return PiggybackCursorDebugWrapper(cursor, self)


class _Piggyback:
    """Prefix this connection's folded BEGIN and pending audit INSERTs to the next statement."""

    @property
    def cursor(self):
        # The driver's cursor used directly (COPY, ...) must run inside the transaction. Only
        # a folded BEGIN forces a send: pending entries may wait for the next statement.
        if self.db.begin_pending:
            self.db.flush_pending()
        return self._driver_cursor

    @cursor.setter
    def cursor(self, value):
        self._driver_cursor = value

    def execute(self, sql, params=None):
        db = self.db
        if not (db.begin_pending or db.audit_pending):
            return super().execute(sql, params)
        if isinstance(params, dict) or not isinstance(sql, str) or getattr(self._driver_cursor, "name", None):
            # Named parameters do not mix with ours; a named (server-side) cursor DECLAREs.
            db.flush_pending()
            return super().execute(sql, params)
        begin, pending, prefix, prefix_params = db.take_pending()
        if params is None:
            sql = sql.replace("%", "%%")  # it is about to be read as a parameterised query
        result = super().execute(f"{prefix};\n{sql}", [*prefix_params, *(params or ())])
        db.read_pending_results(self._driver_cursor, begin, pending)
        return result

    def executemany(self, sql, param_list):
        self.db.flush_pending()
        return super().executemany(sql, param_list)

    def callproc(self, procname, params=None, kparams=None):
        self.db.flush_pending()
        return super().callproc(procname, params, kparams)


class PiggybackCursorWrapper(_Piggyback, CursorWrapper):
    pass


class PiggybackCursorDebugWrapper(_Piggyback, base.CursorDebugWrapper):
    pass
