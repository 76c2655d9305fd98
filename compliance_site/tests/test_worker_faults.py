"""SIGKILL a real Celery worker in the middle of a report, and in the middle of a sync.

With late acknowledgement the message stays unacknowledged in Redis; after the (short, in
this test) visibility timeout a restarted worker receives it again. The report completes
exactly once: one file, whose SHA-256 is the one recorded. The sync lands exactly once:
one log, each vendor result one evaluation, findings as if the sync had never stopped.
"""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from common.testing.broker import broker_url
from compliance.tests.factories import ControlFactory, DataSourceFactory, FrameworkFactory, RuleFactory, record

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER = "redis://127.0.0.1:6379/10"
VISIBILITY_TIMEOUT = 5
ROOT = Path(settings.BASE_DIR)


def start_worker(name, queue="reports", **extra_env):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "compliance_site.test_settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        **extra_env,
    }
    env.pop("TEST_DATABASE_NAME", None)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"worker-fault-{name}.log", "w")  # noqa: SIM115 - the worker owns it
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "compliance_site",
            "worker",
            "-Q",
            queue,
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def kill(worker):
    with contextlib.suppress(ProcessLookupError):  # killed already, when a test fails before restarting it
        os.killpg(worker.pid, signal.SIGKILL)  # parent and pool child, no chance to clean up
    worker.wait()


def restart_worker(name, queue="reports", **extra_env):
    """Start a worker once the killed worker's message is past the visibility timeout.

    kombu gives an unacknowledged message out again when a worker starts, and after that
    only every ~100 s (restore interval × throttle); a worker started before the timeout
    passed would sit out that whole period. The delivery time is read from the broker.
    """
    from kombu.transport.redis import Channel

    from compliance_site.celery import app

    with app.connection_for_write() as conn:
        unacked = conn.default_channel.client.zrange(Channel.unacked_index_key, 0, -1, withscores=True)
    assert unacked, "the killed worker left no unacknowledged message"
    delivered_at = max(score for _, score in unacked)
    time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 0.5 - time.time()))
    return start_worker(name, queue, **extra_env)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def broker(monkeypatch):
    with broker_url(BROKER, monkeypatch) as app:
        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
        yield


def test_report_completes_once_after_its_worker_is_killed(broker):
    from reports import services
    from reports.models import Report
    from reports.storage import resolve

    framework = FrameworkFactory(code="soc2", name="SOC 2")
    sources = [DataSourceFactory() for _ in range(5)]
    for i in range(40):
        rule = RuleFactory(framework=framework, controls=[ControlFactory(framework=framework)])
        for j, source in enumerate(sources):
            record(rule, source, "failed" if (i + j) % 3 == 0 else "passed")
    report = Report.objects.create(
        name="Killed mid-way",
        report_type="detailed_findings",
        framework=framework,
        file_format="pdf",
        access_level="internal",
    )
    task_id = services.request_generation(report=report, user=None)

    worker = start_worker("report-1")
    try:
        wait_until(
            lambda: Report.objects.get(pk=report.pk).progress.get("stage") in ("collecting", "rendering"),
            120,
            "generation to start",
        )
        kill(worker)
        assert Report.objects.get(pk=report.pk).status == "generating"  # killed mid-task, not finished

        worker = restart_worker("report-2")
        done = wait_until(
            lambda: (r := Report.objects.get(pk=report.pk)).status in ("completed", "failed") and r,
            VISIBILITY_TIMEOUT + 180,
            "the redelivered task to finish",
        )
    finally:
        kill(worker)
    assert done.status == "completed", done.error_message
    assert done.task_id == task_id
    # Worker and test share the test settings' private storage; file names carry the task id.
    files = [p for p in Path(settings.REPORTS_STORAGE_DIR).rglob(f"{task_id}*") if p.is_file()]
    assert [p.name for p in files] == [f"{task_id}.pdf"]
    assert resolve(done.file_path) == files[0]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == done.file_hash


PAGE = 1000  # the largest page ServiceNow config allows
SYNC_ENV = {"INTEGRATIONS_ALLOW_HTTP": "1", "INTEGRATIONS_ALLOW_PRIVATE_NETWORKS": "1"}  # the fake is http on loopback


def policy_record(index):
    """Pages 1-2 fail ci0 and pass ci1, ci2; page 3 turns it round: ci0 passes, ci1 fails."""
    source = f"ci{index % 3}"
    failing = "ci1" if index >= 2 * PAGE else "ci0"
    stamp = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(seconds=index)
    return {
        "sys_id": f"{index:032x}",
        "cmdb_ci": source,
        "policy_statement": "PS-ENCRYPT",
        "status": "non_compliant" if source == failing else "compliant",
        "sys_updated_on": stamp.strftime("%Y-%m-%d %H:%M:%S"),
    }


def test_sync_lands_once_after_its_worker_is_killed(broker, settings):
    from compliance.models import Finding, RuleEvaluation
    from integrations import services
    from integrations.models import Integration, IntegrationLog, SyncKey
    from integrations.tests.factories import servicenow_integration
    from integrations.tests.fakes.servicenow import FakeServiceNow

    settings.INTEGRATIONS_ALLOW_HTTP = settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True
    rule = RuleFactory(framework=FrameworkFactory(code="cis"), severity="high")
    records = [policy_record(i) for i in range(2 * PAGE + 30)]
    fake = FakeServiceNow(records=records).start()
    # Pages 1 and 2 fill one ingest batch, which commits before page 3 is asked for: the
    # kill lands after the first half of the sync is in the database, the rest is not.
    page_3 = fake.hold_next(lambda request: request.query.get("sysparm_offset") == [str(2 * PAGE)])
    integration = servicenow_integration(fake, page_size=PAGE, rule_mapping={"PS-ENCRYPT": rule.pk})
    task_id = services.request_sync(integration=integration, trigger="manual")

    worker = start_worker("sync-1", "integrations", **SYNC_ENV)
    try:
        assert page_3.arrived.wait(120), "the worker never asked for page 3"
        kill(worker)
        page_3.released.set()
        assert IntegrationLog.objects.get(task_id=task_id).status == "running"
        assert RuleEvaluation.objects.filter(rule=rule).count() == 2 * PAGE
        assert Integration.objects.get(pk=integration.pk).sync_lock_until is not None  # the dead run's lease

        worker = restart_worker("sync-2", "integrations", **SYNC_ENV)
        log = wait_until(
            lambda: IntegrationLog.objects.exclude(status="running").filter(task_id=task_id).first(),
            VISIBILITY_TIMEOUT + 120,
            "the redelivered sync to finish",
        )
    finally:
        kill(worker)
        page_3.released.set()
        fake.stop()

    # One log for the task, and it is the run that finished.
    assert list(IntegrationLog.objects.filter(integration=integration)) == [log]
    assert log.status == "success", log.error
    assert (log.skipped, log.created) == (2 * PAGE, 30 + 1)  # pages 1-2 replayed; page 3 and one ticket new
    # Each vendor result is one evaluation.
    evaluations = RuleEvaluation.objects.filter(rule=rule)
    assert evaluations.count() == len(records) == SyncKey.objects.filter(integration=integration).count()
    assert len({e.details["remote_id"] for e in evaluations}) == len(records)
    # Findings as if the sync had never stopped: ci0 failed in pages 1-2 then passed, ci1 failed in page 3.
    findings = {f.data_source.name: f for f in Finding.objects.filter(rule=rule).select_related("data_source")}
    assert sorted(findings) == ["servicenow: ci0", "servicenow: ci1"]
    assert (findings["servicenow: ci0"].status, findings["servicenow: ci0"].occurrences) == ("resolved", 667)
    assert (findings["servicenow: ci1"].status, findings["servicenow: ci1"].occurrences) == ("open", 10)
    assert [i["correlation_id"] for i in fake.incidents] == [f"compliance-finding-{findings['servicenow: ci1'].pk}"]
    integration.refresh_from_db()
    assert integration.sync_lock_until is None
    assert (integration.total_syncs, integration.successful_syncs, integration.status) == (1, 1, "active")
