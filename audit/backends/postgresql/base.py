"""Django's PostgreSQL backend, with audit entries sent in the next round trip there is.

An audited write inside a transaction leaves its entry's INSERT pending here instead of
making a round trip of its own. The pending INSERTs go out in the same message as the
transaction's next statement, or as its COMMIT: one simple-protocol query, so one round
trip for both. Everything later in the transaction (a read of the audit log, a savepoint,
a rollback to one) therefore sees them exactly as if they had been sent at once, and a
rollback discards them with the rest of the transaction. If an INSERT fails, the server
skips what follows it in that message (the statement, or the COMMIT), the transaction is
aborted and the error raised: a failed audit write still fails the change.
"""
from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper, debug_transaction


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit_pending = []  # (sql, params, entry) in write order

    def defer_audit_insert(self, sql, params, entry):
        """Queue one entry's INSERT ... RETURNING id; its pk is set when it is sent."""
        self.audit_pending.append((sql, params, entry))

    def take_audit_pending(self):
        """The pending INSERTs as one SQL text and its parameters; the queue is emptied."""
        pending, self.audit_pending = self.audit_pending, []
        sql = ";\n".join(statement for statement, _, _ in pending)
        params = [value for _, values, _ in pending for value in values]
        return pending, sql, params

    @staticmethod
    def read_audit_ids(cursor, pending):
        """Take the entries' ids from their results, leaving `cursor` on the next result."""
        for _, _, entry in pending:
            entry.pk = cursor.fetchone()[0]
            cursor.nextset()

    def flush_audit(self):
        """Send the pending entries now, on their own (nothing when there are none)."""
        if self.audit_pending:
            self._send_audit_pending(suffix="")

    def _commit(self):
        if not self.audit_pending or self.connection is None:
            return super()._commit()
        # One message: if an INSERT fails, the server skips the COMMIT.
        return self._send_audit_pending(suffix=";\nCOMMIT")

    def _send_audit_pending(self, *, suffix):
        pending, sql, params = self.take_audit_pending()
        sql += suffix
        with debug_transaction(self, sql), self.wrap_database_errors:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)
                self.read_audit_ids(cursor, pending)

    def _rollback(self):
        self.audit_pending = []
        return super()._rollback()

    def _close(self):
        self.audit_pending = []
        return super()._close()

    def make_cursor(self, cursor):
        return PiggybackCursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return PiggybackCursorDebugWrapper(cursor, self)


class _Piggyback:
    """Prefix this connection's pending audit INSERTs to the next statement it executes."""

    def execute(self, sql, params=None):
        db = self.db
        if not db.audit_pending:
            return super().execute(sql, params)
        if isinstance(params, dict) or not isinstance(sql, str) or getattr(self.cursor, "name", None):
            # Named parameters do not mix with ours; a named (server-side) cursor DECLAREs.
            db.flush_audit()
            return super().execute(sql, params)
        pending, prefix, prefix_params = db.take_audit_pending()
        if params is None:
            sql = sql.replace("%", "%%")  # it is about to be read as a parameterised query
        result = super().execute(f"{prefix};\n{sql}", [*prefix_params, *(params or ())])
        db.read_audit_ids(self.cursor, pending)
        return result

    def executemany(self, sql, param_list):
        self.db.flush_audit()
        return super().executemany(sql, param_list)

    def callproc(self, procname, params=None, kparams=None):
        self.db.flush_audit()
        return super().callproc(procname, params, kparams)


class PiggybackCursorWrapper(_Piggyback, CursorWrapper):
    pass


class PiggybackCursorDebugWrapper(_Piggyback, base.CursorDebugWrapper):
    pass
