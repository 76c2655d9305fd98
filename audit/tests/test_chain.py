"""The chain on real PostgreSQL: append-only triggers, verification, concurrency, purge, checkpoints."""

import io
import json
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, ProgrammingError, connection, connections, transaction
from django.utils import timezone

from audit.models import AuditChainLink, AuditCheckpoint, AuditLog
from audit.services import create_checkpoint, purge_audit_log
from audit.tests.entries import system_entry
from audit.verify import verify_chain
from compliance.models import Framework
from compliance.tests.factories import FrameworkFactory

REFUSED = (InternalError, ProgrammingError, IntegrityError)


def run_verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chain", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # CommandError is turned into exit 1 only by the CLI entry point
        from django.core.management import CommandError

        if not isinstance(exc, CommandError):
            raise
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_entries_are_chained_at_commit_and_verify():
    for n in range(4):
        FrameworkFactory(code=f"chain{n}")
    rows = list(AuditChainLink.objects.order_by("seq").values_list("seq", "prev_hash", "entry_hash", "entry_id"))
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))
    assert sorted(r[3] for r in rows) == sorted(AuditLog.objects.values_list("id", flat=True))  # one link each
    code, out, _ = run_verify()
    assert code == 0 and out.strip() == f"OK {len(rows)} entries"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditlog SET action = 'x'",
        "DELETE FROM audit_auditlog",
        "UPDATE audit_auditchainlink SET entry_hash = 'x'",
        "DELETE FROM audit_auditchainlink",
        "UPDATE audit_auditcheckpoint SET seq = 0",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_triggers_refuse_update_and_delete(statement, sealed):
    FrameworkFactory()
    sealed()
    create_checkpoint()
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_auditlog", "audit_auditchainlink", "audit_auditcheckpoint"])
def test_triggers_refuse_truncate(table, sealed):
    FrameworkFactory()
    create_checkpoint()
    sealed()
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # Test databases allow TRUNCATE for the suite's own flushes; ask for production behaviour.
        cursor.execute("SET LOCAL audit.enforce_truncate = 'on'")
        cursor.execute(f"TRUNCATE {table}")


@pytest.mark.django_db
def test_no_update_of_an_entry_is_let_through_not_even_a_fresh_one():
    with pytest.raises(REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditlog (timestamp, actor_username, action, object_id, object_repr, "
            "changes, impact_level, request_id, user_agent, session_hash, source, message, content_hash) "
            "VALUES (now(), '', 'a', '', '', '{}', 'low', '', '', '', 'system', '', 'h') RETURNING id"
        )
        new_id = cursor.fetchone()[0]
        cursor.execute("UPDATE audit_auditlog SET content_hash = 'h' WHERE id = %s", [new_id])


WRITERS = 24
WRITES_EACH = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    start = threading.Barrier(WRITERS)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(WRITES_EACH):
                with transaction.atomic():
                    framework = Framework.objects.create(code=f"w{n}-{i}", name=f"W {n} {i}")
                    framework.name = f"W {n} {i} renamed"
                    framework.save()
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    framework_entries = AuditLog.objects.filter(content_type__model="framework")
    assert framework_entries.filter(link__isnull=False).count() == WRITERS * WRITES_EACH * 2
    all_seqs = list(AuditChainLink.objects.order_by("seq").values_list("seq", flat=True))
    assert all_seqs == list(range(1, len(all_seqs) + 1)) and len(all_seqs) == AuditLog.objects.count()
    result = verify_chain()
    assert result.ok, result.problems


def _empty_log():
    # Test setup only: a flush's post_migrate (roles rebuilt) leaves fresh entries at the start.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditlog, audit_auditchainlink, audit_auditcheckpoint")


def _three_old_entries_then_a_recent_change(settings, code):
    """A fresh chain: 3 entries 40 days old (retention 30 days), then a recent change."""
    settings.AUDIT_RETENTION_DAYS = 30
    _empty_log()
    for n in range(3):
        system_entry(timezone.now() - timedelta(days=40), str(n))
    FrameworkFactory(code=code)


@pytest.mark.django_db(transaction=True)
def test_purge_removes_only_old_entries_records_itself_and_leaves_a_verifiable_chain(settings):
    _three_old_entries_then_a_recent_change(settings, "recent")
    recent = set(AuditLog.objects.exclude(action="old_event").values_list("id", flat=True))
    out = io.StringIO()
    call_command("purge_audit_log", stdout=out)
    assert out.getvalue().strip() == "Purged 3 entries."
    assert not AuditLog.objects.filter(action="old_event").exists()
    assert recent <= set(AuditLog.objects.values_list("id", flat=True))
    purge = AuditLog.objects.get(action="audit_purge")
    assert (purge.actor_username, purge.source, purge.impact_level) == ("system:purge_audit_log", "command", "high")
    assert purge.changes["deleted"] == [None, 3] and purge.changes["through_seq"] == [None, 3]
    checkpoint = AuditCheckpoint.objects.get(reason="purge")
    assert checkpoint.seq == 3
    code, stdout, _ = run_verify()
    assert code == 0 and stdout.startswith("OK ")
    assert purge_audit_log() == 0  # nothing older left
    assert AuditCheckpoint.objects.filter(reason="purge").count() == 1  # and no second checkpoint at the old cut
    code, stdout, _ = run_verify()
    assert code == 0 and stdout.startswith("OK ")


@pytest.mark.django_db(transaction=True)
def test_a_cut_without_its_checkpoint_is_detected(settings):
    _three_old_entries_then_a_recent_change(settings, "recent2")
    purge_audit_log()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    code, _, err = run_verify()
    assert code == 1 and "entries before it are missing" in err


@pytest.mark.django_db(transaction=True)
def test_exported_checkpoints_are_checked_and_forgeries_caught(tmp_path):
    FrameworkFactory(code="cp1")
    path = tmp_path / "checkpoints.jsonl"
    call_command("export_audit_checkpoints", output=str(path), stderr=io.StringIO())
    exported = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(exported) == 1 and exported[0]["seq"] == AuditChainLink.objects.order_by("seq").last().seq
    FrameworkFactory(code="cp2")
    assert run_verify("--checkpoints", str(path))[0] == 0

    # a checkpoint signed with another key (or edited) is a forgery
    AuditCheckpoint.objects.create(seq=1, entry_hash="0" * 64, signature="f" * 64)
    code, _, err = run_verify()
    assert code == 1 and "signature does not match" in err


@pytest.mark.django_db(transaction=True)
def test_exported_checkpoint_catches_a_rewritten_chain(tmp_path, settings):
    FrameworkFactory(code="rw1")
    path = tmp_path / "checkpoints.jsonl"
    call_command("export_audit_checkpoints", output=str(path), stderr=io.StringIO())
    row = json.loads(path.read_text())
    row["entry_hash"] = "1" * 64  # the file says something else than the database: one of them lies
    path.write_text(json.dumps(row) + "\n")
    code, _, err = run_verify("--checkpoints", str(path))
    assert code == 1 and "exported checkpoint" in err


def test_the_content_hash_covers_every_column():
    from audit.chain import CONTENT_FIELDS

    columns = {field.attname for field in AuditLog._meta.concrete_fields}
    assert set(CONTENT_FIELDS) == columns - {"id", "content_hash"}  # the hash covers every recorded field


def _cli_verify(*args):
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "compliance_site.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    env.pop("TEST_DATABASE_NAME", None)
    return subprocess.run(
        [sys.executable, "manage.py", "verify_audit_chain", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exit_codes(tmp_path):
    FrameworkFactory(code="cli")
    count = AuditLog.objects.count()
    ok = _cli_verify()
    assert (ok.returncode, ok.stdout.strip()) == (0, f"OK {count} entries"), ok.stderr
    victim = AuditLog.objects.select_related("link").order_by("link__seq")[1]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditlog SET message = 'rewritten' WHERE id = %s", [victim.pk])
    bad = _cli_verify()
    assert bad.returncode == 1
    assert f"entry id={victim.pk} seq={victim.seq}: content does not match" in bad.stderr
    garbage = tmp_path / "checkpoints.jsonl"
    garbage.write_text("{not json\n")
    unreadable = _cli_verify("--checkpoints", str(garbage))
    assert unreadable.returncode == 1 and "cannot read checkpoints" in unreadable.stderr
