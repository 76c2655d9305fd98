"""SIGKILL a real Celery worker in the middle of a webhook delivery: after a new worker
takes over, every committed event has arrived at least once, in order, and the one whose
transaction rolled back never did."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from audit.services import record_event
from common.testing.broker import broker_url
from common.testing.receiver import Receiver
from compliance.tests.factories import UserFactory
from webhooks.models import WebhookSubscription
from webhooks.tasks import deliver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
BROKER = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")
ROOT = Path(settings.BASE_DIR)


def start_worker(name):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "compliance_site.test_settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "INTEGRATIONS_ALLOW_HTTP": "1",
        "INTEGRATIONS_ALLOW_PRIVATE_NETWORKS": "1",
        "WEBHOOK_BACKOFF_SECONDS": "0",
    }
    env.pop("TEST_DATABASE_NAME", None)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"webhook-worker-{name}.log", "w")  # noqa: SIM115 - the worker owns it
    command = [sys.executable, "-m", "celery", "-A", "compliance_site", "worker", "-Q", "default", "--pool", "prefork"]
    command += ["--concurrency", "1", "--loglevel", "WARNING", "--without-heartbeat", "--without-mingle"]
    command += ["--without-gossip"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)


def kill(worker):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)  # parent and pool child, no chance to clean up
    worker.wait()


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Abort(Exception):
    pass


def test_every_event_arrives_at_least_once_after_the_worker_is_killed(monkeypatch):
    with broker_url(BROKER, monkeypatch) as app:
        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
        with Receiver(block_on=3) as receiver:
            owner = UserFactory(username="hook-owner")
            hook = WebhookSubscription.objects.create(
                owner=owner, url=receiver.url, events=["custom_event"], secret={"value": "s" * 20}
            )
            for i in range(6):
                record_event(action="custom_event", message=f"kill {i}")
                if i == 3:
                    with contextlib.suppress(Abort), transaction.atomic():
                        record_event(action="custom_event", message="kill rolled back")
                        raise Abort
            worker = start_worker("first")
            try:
                deliver.delay(hook.pk)
                assert receiver.arrived.wait(60), "the third delivery never started"
                kill(worker)  # mid-delivery: the third event is at the receiver, its commit never happened
            finally:
                kill(worker)
            receiver.release.set()
            hook.refresh_from_db()
            delivered_seqs = {b["data"]["seq"] for b in receiver.bodies()[:2]}
            assert hook.last_seq == max(delivered_seqs)  # the cursor stayed behind the killed delivery
            worker = start_worker("second")
            try:
                deliver.delay(hook.pk)
                wait_until(
                    lambda: {b["data"]["message"] for b in receiver.bodies()} >= {f"kill {i}" for i in range(6)},
                    90,
                    "every event",
                )
            finally:
                kill(worker)
    messages = [b["data"]["message"] for b in receiver.bodies()]
    assert "kill rolled back" not in messages
    assert messages[:3] == ["kill 0", "kill 1", "kill 2"] and messages.count("kill 2") >= 2  # sent again
    firsts = [messages.index(f"kill {i}") for i in range(6)]
    assert firsts == sorted(firsts)  # in order
