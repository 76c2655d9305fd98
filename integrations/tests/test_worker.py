"""Syncs on a real Celery worker (Redis broker) and real concurrency against the lock."""

import threading
import time

import pytest
from django.db import connection

from common.roles import COMPLIANCE_ADMIN
from compliance.models import RuleEvaluation
from integrations import services
from integrations.models import IntegrationLog

from .factories import servicenow_integration
from .fakes.server import Reply
from .test_connectors import sn_record


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming this run's Redis database."""
    from celery.contrib.testing.worker import start_worker

    from compliance_site.celery import app

    with app.connection_for_write() as conn:
        for queue in app.conf.task_queues:
            queue.bind(conn.default_channel).purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.worker
def test_sync_endpoint_runs_the_sync_on_a_worker(celery_worker_thread, client_as, servicenow, rule):
    servicenow.records = [sn_record(i, "compliant") for i in range(3)]
    integration = servicenow_integration(servicenow, rule_mapping={"PS-ENCRYPT": rule.pk})
    response = client_as(COMPLIANCE_ADMIN).post(f"/api/v1/integrations/{integration.pk}/sync/")
    assert response.status_code == 202
    task_id = response.json()["task_id"]
    log = wait_for(
        lambda: (
            IntegrationLog.objects.filter(integration=integration, task_id=task_id).exclude(status="running").first()
        )
    )
    assert log.status == "success" and log.created == 3 and log.trigger == "api"
    assert RuleEvaluation.objects.filter(source=f"integration:{integration.pk}").count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_syncs_one_runs_one_is_skipped(servicenow, rule):
    servicenow.records = [sn_record(i, "compliant") for i in range(2)]
    integration = servicenow_integration(servicenow, rule_mapping={"PS-ENCRYPT": rule.pk})
    servicenow.fail_next(Reply(200, {"result": servicenow.records}, delay=1.0))  # the first page is slow
    results = []

    def run():
        try:
            results.append(services.run_sync(integration_id=integration.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["skipped", "success"]
    assert RuleEvaluation.objects.count() == 2
