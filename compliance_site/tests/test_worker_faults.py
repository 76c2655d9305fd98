"""SIGKILL a real Celery worker in the middle of generating a report.

With late acknowledgement the message stays unacknowledged in Redis; after the (short, in
this test) visibility timeout a restarted worker receives it again, and the report
completes exactly once: one file, whose SHA-256 is the one recorded.
"""
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from compliance.tests.factories import ControlFactory, DataSourceFactory, FrameworkFactory, RuleFactory, record
from testing.broker import broker_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BROKER = "redis://127.0.0.1:6379/10"
VISIBILITY_TIMEOUT = 5
ROOT = Path(settings.BASE_DIR)


def start_worker(attempt):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "compliance_site.test_settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    env.pop("TEST_DATABASE_NAME", None)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"worker-fault-{attempt}.log", "w")  # noqa: SIM115 - the worker owns it
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "compliance_site", "worker", "-Q", "reports", "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "WARNING", "--without-heartbeat", "--without-mingle",
         "--without-gossip"],
        cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
    )


def kill(worker):
    os.killpg(worker.pid, signal.SIGKILL)  # parent and pool child, no chance to clean up
    worker.wait()


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
    report = Report.objects.create(name="Killed mid-way", report_type="detailed_findings", framework=framework,
                                   file_format="pdf", access_level="internal")
    task_id = services.request_generation(report=report, user=None)

    worker = start_worker(1)
    try:
        wait_until(lambda: Report.objects.get(pk=report.pk).progress.get("stage") in ("collecting", "rendering"),
                   120, "generation to start")
        kill(worker)
        assert Report.objects.get(pk=report.pk).status == "generating"  # killed mid-task, not finished

        worker = start_worker(2)
        done = wait_until(lambda: (r := Report.objects.get(pk=report.pk)).status in ("completed", "failed") and r,
                          VISIBILITY_TIMEOUT + 180, "the redelivered task to finish")
    finally:
        kill(worker)
    assert done.status == "completed", done.error_message
    assert done.task_id == task_id
    # Worker and test share the test settings' private storage; file names carry the task id.
    files = [p for p in Path(settings.REPORTS_STORAGE_DIR).rglob(f"{task_id}*") if p.is_file()]
    assert [p.name for p in files] == [f"{task_id}.pdf"]
    assert resolve(done.file_path) == files[0]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == done.file_hash
