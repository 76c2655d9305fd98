"""The triggers of migrations 0002-0006, frozen: the link fields were columns of the entry
row then (sealed by an UPDATE) and the head a row of its own. Migration 0007 replaces them
with audit/sql.py; a fresh database passes through these first, so they stay as they were.
"""

from audit.sql import execute_for_vendor

# Every column except the three link fields the seal fills in: an UPDATE may only seal a
# fresh entry, never touch these.
SEALED_COLUMNS = (
    "id",
    "timestamp",
    "actor_id",
    "actor_username",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "impact_level",
    "request_id",
    "ip_address",
    "user_agent",
    "session_hash",
    "source",
    "message",
    "content_hash",
)

PG_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The retention purge (audit.services.purge_audit_log) is the one sanctioned delete.
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditlog'
       AND current_setting('audit.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    -- Test databases are emptied with TRUNCATE between transactional tests; a test that
    -- checks this trigger sets audit.enforce_truncate to see the production behaviour.
    IF TG_OP = 'TRUNCATE' AND current_database() ~ '^test($|_)'
       AND coalesce(current_setting('audit.enforce_truncate', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION audit_seal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_prev varchar(64);
    new_hash varchar(64);
BEGIN
    LOOP
        -- One statement takes the head's row lock (held to the end of this commit), advances
        -- it and computes the link; SET expressions see the old values.
        UPDATE audit_auditchainhead
           SET seq = seq + 1, prev_hash = last_hash,
               last_hash = encode(sha256(convert_to(
                   last_hash || ':' || (seq + 1)::text || ':' || NEW.content_hash, 'UTF8')), 'hex')
         WHERE id = 1
        RETURNING seq, prev_hash, last_hash INTO head_seq, head_prev, new_hash;
        EXIT WHEN FOUND;
        -- A fresh (or flushed) database: continue from the last sealed entry.
        INSERT INTO audit_auditchainhead (id, seq, prev_hash, last_hash)
        SELECT 1, coalesce(max(seq), 0), '',
               coalesce((SELECT entry_hash FROM audit_auditlog WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1), '')
        FROM audit_auditlog
        ON CONFLICT (id) DO NOTHING;
    END LOOP;
    UPDATE audit_auditlog SET seq = head_seq, prev_hash = head_prev, entry_hash = new_hash WHERE id = NEW.id;
    RETURN NULL;
END
$$;
"""

_OLD = ", ".join(f"OLD.{name}" for name in SEALED_COLUMNS)
_NEW = ", ".join(f"NEW.{name}" for name in SEALED_COLUMNS)
PG_TRIGGERS = f"""
-- The WHEN clause is evaluated in C: sealing a fresh entry costs no function call.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_auditlog FOR EACH ROW
    WHEN (OLD.seq IS NOT NULL OR NEW.seq IS NULL OR ROW({_OLD}) IS DISTINCT FROM ROW({_NEW}))
    EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_auditlog
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
-- Only entries inserted unsealed (PostgreSQL path) need the seal.
CREATE CONSTRAINT TRIGGER audit_seal AFTER INSERT ON audit_auditlog
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION audit_seal_entry();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS audit_seal ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_append_only ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_no_update ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_auditlog;
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_auditcheckpoint;
DROP FUNCTION IF EXISTS audit_seal_entry();
DROP FUNCTION IF EXISTS audit_refuse_change();
"""

# SQLite (embedded mode) has no TRUNCATE and no session settings: the purge drops and
# re-creates the delete trigger inside its own transaction (SQLite DDL is transactional).
SQLITE_DELETE_TRIGGER = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END",
    SQLITE_DELETE_TRIGGER,
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_auditcheckpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_auditcheckpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: DELETE refused'); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_update",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete",
]


def run_install(apps, schema_editor):
    run_uninstall(apps, schema_editor)
    execute_for_vendor(schema_editor, postgresql=[PG_FUNCTIONS, PG_TRIGGERS], sqlite=SQLITE_TRIGGERS)


def run_uninstall(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=[PG_DROP], sqlite=SQLITE_DROP)
