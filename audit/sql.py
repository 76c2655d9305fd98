"""Database triggers that make the audit tables append-only and seal the hash chain.

Applied by migration 0007 for the database vendor in use (0002-0006 used the frozen
audit/migrations/_seq_column_triggers.py). Kept here (not inlined in the
migration) so docs and tests can refer to one text.
"""

# Seals wait for each other on this advisory lock (an arbitrary constant of this app's):
# taken at commit, released when that commit is done, so links follow commit order.
SEAL_LOCK_KEY = 0x617564697400  # "audit\0"

PG_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- A row trigger on a partitioned table fires on the partition: name the table itself.
    root text := coalesce(pg_partition_root(TG_RELID), TG_RELID)::regclass::text;
BEGIN
    -- The retention purge (audit.services.purge_audit_log) is the one sanctioned delete.
    IF TG_OP = 'DELETE' AND root IN ('audit_auditlog', 'audit_auditchainlink')
       AND current_setting('audit.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    -- Test databases are emptied with TRUNCATE between transactional tests; a test that
    -- checks this trigger sets audit.enforce_truncate to see the production behaviour.
    IF TG_OP = 'TRUNCATE' AND current_database() ~ '^test($|_)'
       AND coalesce(current_setting('audit.enforce_truncate', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, root
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION audit_seal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash varchar(64);
BEGIN
    PERFORM pg_advisory_xact_lock(%(lock)s);
    -- A statement after the lock: its snapshot sees the link of the commit that held it.
    SELECT seq, entry_hash INTO last_seq, last_hash FROM audit_auditchainlink ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_hash := '';
    END IF;
    INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, entry_hash)
    VALUES (last_seq + 1, NEW.id, last_hash,
            encode(sha256(convert_to(last_hash || ':' || (last_seq + 1)::text || ':' || NEW.content_hash, 'UTF8')),
                   'hex'));
    RETURN NULL;
END
$$;
""".replace("%(lock)s", str(SEAL_LOCK_KEY))

# The entry table's columns (but id) in the order audit_insert_entry() takes them, with
# their SQL types. A test holds this to the AuditLog model: a new field needs a migration
# that refreshes the function (sql.run_install).
ENTRY_COLUMNS = (
    ("timestamp", "timestamptz"),
    ("actor_id", "integer"),
    ("actor_username", "varchar"),
    ("action", "varchar"),
    ("content_type_id", "integer"),
    ("object_id", "varchar"),
    ("object_repr", "varchar"),
    ("changes", "jsonb"),
    ("impact_level", "varchar"),
    ("request_id", "varchar"),
    ("ip_address", "inet"),
    ("user_agent", "varchar"),
    ("session_hash", "varchar"),
    ("source", "varchar"),
    ("message", "text"),
    ("content_hash", "varchar"),
)

# Writing an entry through this function rather than a plain INSERT saves the server
# parsing and planning a 16-column INSERT for every entry (measured: 30-60 µs of its
# time on CPU per entry): PL/pgSQL plans the INSERT once per session. Unlike a prepared
# statement it keeps no state a transaction-pooling PgBouncer would lose.
PG_ENTRY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_insert_entry(%(arguments)s) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO audit_auditlog (%(columns)s) VALUES (%(values)s) RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
""" % {
    "arguments": ", ".join(f"p_{name} {kind}" for name, kind in ENTRY_COLUMNS),
    "columns": ", ".join(f'"{name}"' for name, _ in ENTRY_COLUMNS),
    "values": ", ".join(f"p_{name}" for name, _ in ENTRY_COLUMNS),
}

# The entry table's own triggers. On the partitioned table (migration 0011) PostgreSQL
# copies the row triggers, the seal included, to every partition; the statement-level
# TRUNCATE one it does not, so each partition gets PG_PARTITION_TRUNCATE_TRIGGER too.
PG_LOG_TRIGGERS = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_auditlog
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
-- Every entry is sealed when its transaction commits.
CREATE CONSTRAINT TRIGGER audit_seal AFTER INSERT ON audit_auditlog
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_seal_entry();
"""
PG_LOG_DROP = """
DROP TRIGGER IF EXISTS audit_seal ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_no_update ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_auditlog;
"""


def pg_partition_truncate_trigger(partition):
    """A TRUNCATE of one partition is refused as one of the table is (idempotent)."""
    return (
        f'CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "{partition}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()"
    )


PG_TRIGGERS = (
    PG_LOG_TRIGGERS
    + """
CREATE TRIGGER audit_link_append_only BEFORE UPDATE OR DELETE ON audit_auditchainlink
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_link_no_truncate BEFORE TRUNCATE ON audit_auditchainlink
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""
)

PG_DROP = (
    PG_LOG_DROP
    + """
DROP TRIGGER IF EXISTS audit_link_append_only ON audit_auditchainlink;
DROP TRIGGER IF EXISTS audit_link_no_truncate ON audit_auditchainlink;
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_auditcheckpoint;
DROP FUNCTION IF EXISTS audit_seal_entry();
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP FUNCTION IF EXISTS audit_insert_entry(%s);
"""
    % ", ".join(kind for _, kind in ENTRY_COLUMNS)
)

# SQLite (embedded mode) has no TRUNCATE and no session settings: the purge drops and
# re-creates the delete triggers inside its own transaction (SQLite DDL is transactional).
SQLITE_DELETE_TRIGGERS = {
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END",
    "audit_link_no_delete": "CREATE TRIGGER audit_link_no_delete BEFORE DELETE ON audit_auditchainlink "
    "BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only: DELETE refused'); END",
}
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_link_no_update BEFORE UPDATE ON audit_auditchainlink "
    "BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only: UPDATE refused'); END",
    *SQLITE_DELETE_TRIGGERS.values(),
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_auditcheckpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_auditcheckpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: DELETE refused'); END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "audit_log_no_update",
        "audit_log_no_delete",
        "audit_link_no_update",
        "audit_link_no_delete",
        "audit_checkpoint_no_update",
        "audit_checkpoint_no_delete",
    )
]


def execute_for_vendor(schema_editor, *, postgresql, sqlite):
    """Run the statements written for the database in use (a list of SQL texts each)."""
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": postgresql, "sqlite": sqlite}.get(vendor, ()):
        schema_editor.execute(statement, params=None)


def install(schema_editor):
    """(Re)create the triggers; safe to run again (later migrations refresh them)."""
    uninstall(schema_editor)
    execute_for_vendor(schema_editor, postgresql=[PG_FUNCTIONS, PG_ENTRY_FUNCTION, PG_TRIGGERS], sqlite=SQLITE_TRIGGERS)


def uninstall(schema_editor):
    execute_for_vendor(schema_editor, postgresql=[PG_DROP], sqlite=SQLITE_DROP)


def run_install(apps, schema_editor):
    """RunPython entry point for migrations that (re)install the triggers."""
    install(schema_editor)


# The transparency log's nodes and checkpoints are append-only too (audit_refuse_change
# refuses every UPDATE, DELETE and TRUNCATE of them). Signing keys are not: a key's
# validity ends when the next key first signs.
PG_TREE_TRIGGERS = """
CREATE TRIGGER audit_merkle_append_only BEFORE UPDATE OR DELETE ON audit_auditmerklenode
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_merkle_no_truncate BEFORE TRUNCATE ON audit_auditmerklenode
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_tree_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_audittreecheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_tree_checkpoint_no_truncate BEFORE TRUNCATE ON audit_audittreecheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""
PG_TREE_DROP = """
DROP TRIGGER IF EXISTS audit_merkle_append_only ON audit_auditmerklenode;
DROP TRIGGER IF EXISTS audit_merkle_no_truncate ON audit_auditmerklenode;
DROP TRIGGER IF EXISTS audit_tree_checkpoint_append_only ON audit_audittreecheckpoint;
DROP TRIGGER IF EXISTS audit_tree_checkpoint_no_truncate ON audit_audittreecheckpoint;
"""
SQLITE_TREE_TRIGGERS = [
    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: {op} refused'); END"
    for table in ("audit_auditmerklenode", "audit_audittreecheckpoint")
    for op in ("UPDATE", "DELETE")
]
SQLITE_TREE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_no_{op}"
    for table in ("audit_auditmerklenode", "audit_audittreecheckpoint")
    for op in ("update", "delete")
]


def install_tree_triggers(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=[PG_TREE_DROP, PG_TREE_TRIGGERS], sqlite=SQLITE_TREE_TRIGGERS)


def uninstall_tree_triggers(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=[PG_TREE_DROP], sqlite=SQLITE_TREE_DROP)
