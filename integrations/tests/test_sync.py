"""Sync machinery: idempotent replays, retries, auth failures, statistics, the lock, the dispatcher."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditLog
from compliance.models import Finding, RuleEvaluation
from integrations import registry, services
from integrations.models import Integration, IntegrationLog, SyncKey

from .factories import gcp_integration, servicenow_integration
from .fakes.gcp import make_finding
from .fakes.server import Reply
from .test_connectors import sn_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def sn(servicenow, rule):
    servicenow.records = [sn_record(i, "non_compliant") for i in range(4)]
    integration = servicenow_integration(
        servicenow, page_size=2, rule_mapping={"PS-ENCRYPT": rule.pk}, push_findings=False
    )
    return servicenow, integration


def test_replaying_the_same_pages_creates_no_duplicate_evaluations(sn):
    _fake, integration = sn
    first = services.run_sync(integration_id=integration.pk)
    second = services.run_sync(integration_id=integration.pk)
    assert (first.created, first.skipped) == (4, 0)
    assert (second.fetched, second.created, second.skipped) == (4, 0, 4)
    assert RuleEvaluation.objects.count() == 4 and SyncKey.objects.count() == 4


def test_a_changed_remote_timestamp_is_a_new_evaluation(sn, rule):
    fake, integration = sn
    services.run_sync(integration_id=integration.pk)
    fake.records[0] = {**fake.records[0], "status": "compliant", "sys_updated_on": "2026-01-06 09:00:00"}
    log = services.run_sync(integration_id=integration.pk)
    assert (log.created, log.skipped, log.updated) == (1, 3, 1)  # one finding resolved
    assert Finding.objects.filter(status="resolved").count() == 1


def test_503_then_200_succeeds_after_a_retry(sn):
    fake, integration = sn
    fake.fail_next(Reply(503, {"error": {"message": "Service Unavailable", "detail": None}, "status": "failure"}))
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", log.error
    assert log.created == 4
    assert len(fake.calls("/api/now/table/")) == 3  # 503, then the two pages


def test_429_honours_retry_after(sn, settings):
    fake, integration = sn
    settings.INTEGRATIONS_MAX_BACKOFF_SECONDS = 5
    waits = []
    client = registry.get("servicenow").client(
        config=integration.config, credentials=integration.credentials, sleep=waits.append
    )
    fake.fail_next(Reply(429, {"error": {"message": "Too Many Requests"}}, {"Retry-After": "3"}))
    log = services.run_sync(integration_id=integration.pk, client=client)
    assert log.status == "success" and log.created == 4
    assert len(waits) == 1 and waits[0] >= 3


def test_retry_after_beyond_the_limit_fails_the_run_instead_of_sleeping(sn, settings):
    fake, integration = sn
    settings.INTEGRATIONS_MAX_BACKOFF_SECONDS = 5
    fake.fail_next(Reply(429, {"error": {"message": "Too Many Requests"}}, {"Retry-After": "3600"}))
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "failed" and "asked to retry after 3600 s" in log.error


def test_backoff_grows_exponentially_with_jitter(settings):
    from integrations.providers.client import jittered_backoff

    settings.INTEGRATIONS_BACKOFF_SECONDS, settings.INTEGRATIONS_MAX_BACKOFF_SECONDS = 1, 60
    for attempt, base in ((1, 1), (2, 2), (3, 4), (4, 8)):
        delays = {jittered_backoff(attempt) for _ in range(20)}
        assert all(base * 0.5 <= d <= base * 1.5 for d in delays) and len(delays) > 1
    assert jittered_backoff(10) <= 90 and jittered_backoff(1, retry_after=30) >= 30


def test_persistent_5xx_gives_up_after_max_attempts(sn, settings):
    fake, integration = sn
    settings.INTEGRATIONS_MAX_ATTEMPTS = 3
    fake.fail_next(*[Reply(502, {"error": {"message": "Bad gateway"}})] * 3)
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "failed" and "HTTP 502" in log.error
    assert len(fake.requests) == 3


def test_401_is_not_retried_and_puts_the_integration_in_error(sn):
    fake, integration = sn
    fake.password = "rotated-remotely"
    log = services.run_sync(integration_id=integration.pk)
    integration.refresh_from_db()
    assert len(fake.requests) == 1
    assert log.status == "failed"
    assert "ServiceNow refused the credentials (HTTP 401): User Not Authenticated" in log.error
    assert integration.status == "error" and integration.health == "unhealthy"
    assert "Check the credentials" in integration.status_message


def test_consecutive_failures_make_the_integration_unhealthy_then_success_recovers(sn, settings):
    fake, integration = sn
    settings.INTEGRATIONS_FAILURES_BEFORE_ERROR = 2
    settings.INTEGRATIONS_MAX_ATTEMPTS = 1
    fake.fail_next(Reply(500, {"error": {"message": "boom"}}))
    services.run_sync(integration_id=integration.pk)
    integration.refresh_from_db()
    assert (integration.consecutive_failures, integration.health, integration.status) == (1, "degraded", "configured")
    fake.fail_next(Reply(500, {"error": {"message": "boom"}}))
    services.run_sync(integration_id=integration.pk)
    integration.refresh_from_db()
    assert (integration.consecutive_failures, integration.health, integration.status) == (2, "unhealthy", "error")
    services.run_sync(integration_id=integration.pk)
    integration.refresh_from_db()
    assert (integration.consecutive_failures, integration.health, integration.status) == (0, "healthy", "active")
    assert integration.success_rate == pytest.approx(33.3)
    assert integration.average_duration_ms is not None
    assert (integration.total_syncs, integration.failed_syncs, integration.successful_syncs) == (3, 2, 1)


def test_one_sync_at_a_time_per_integration(sn):
    fake, integration = sn
    Integration.objects.filter(pk=integration.pk).update(sync_lock_until=timezone.now() + timedelta(minutes=5))
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "skipped" and fake.requests == []
    # A lease left behind by a dead worker expires.
    Integration.objects.filter(pk=integration.pk).update(sync_lock_until=timezone.now() - timedelta(seconds=1))
    assert services.run_sync(integration_id=integration.pk).status == "success"
    assert Integration.objects.get(pk=integration.pk).sync_lock_until is None


def test_a_task_delivered_again_takes_over_the_lease_and_the_log_of_its_dead_run(sn):
    fake, integration = sn
    # What a worker killed mid-sync leaves: its live lease and its running log.
    Integration.objects.filter(pk=integration.pk).update(
        sync_lock_until=timezone.now() + timedelta(minutes=5), sync_lock_owner="task-1"
    )
    dead = IntegrationLog.objects.create(integration=integration, trigger="api", task_id="task-1")
    assert services.run_sync(integration_id=integration.pk, task_id="task-2").status == "skipped"
    assert fake.requests == []

    log = services.run_sync(integration_id=integration.pk, task_id="task-1")
    assert (log.pk, log.status, log.created) == (dead.pk, "success", 4)
    assert log.message.startswith("Delivered again after its worker was lost")
    integration.refresh_from_db()
    assert (integration.sync_lock_until, integration.sync_lock_owner) == (None, "")


def test_a_task_delivered_again_after_its_run_finished_does_not_run_again(sn):
    fake, integration = sn
    first = services.run_sync(integration_id=integration.pk, task_id="task-1")
    requests = len(fake.requests)
    assert services.run_sync(integration_id=integration.pk, task_id="task-1") == first
    assert len(fake.requests) == requests
    assert IntegrationLog.objects.filter(integration=integration).count() == 1


def test_the_next_run_closes_the_log_of_a_run_that_died_for_good(sn):
    _fake, integration = sn
    # Killed at the hard time limit: its message was acknowledged, nothing delivers it again.
    dead = IntegrationLog.objects.create(integration=integration, trigger="schedule", task_id="task-1")
    Integration.objects.filter(pk=integration.pk).update(
        sync_lock_until=timezone.now() - timedelta(seconds=1), sync_lock_owner="task-1"
    )
    assert services.run_sync(integration_id=integration.pk, task_id="task-2").status == "success"
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at and "stopped before it finished" in dead.error


def test_sync_of_a_deleted_integration_is_a_no_op():
    assert services.run_sync(integration_id=987654321) is None


def test_unmapped_results_are_counted_and_listed_with_reasons(gcp, service_account, rule):
    gcp.findings = [
        make_finding(0),
        make_finding(1, category="OPEN_FIREWALL"),
        {"finding": {**make_finding(2)["finding"], "state": "STATE_UNSPECIFIED"}},
        {"finding": {**make_finding(3)["finding"], "eventTime": "2999-01-01T00:00:00Z"}},
    ]
    integration = gcp_integration(gcp, service_account[0], rule_mapping={"PUBLIC_BUCKET_ACL": rule.pk})
    log = services.run_sync(integration_id=integration.pk)
    assert (log.fetched, log.created, log.failed, log.status) == (4, 1, 3, "partial")
    reasons = sorted(item["reason"] for item in log.unmapped)
    assert reasons[0].startswith("evaluated_at: Must not be in the future")
    assert "no rule mapped for 'OPEN_FIREWALL'" in reasons
    assert "unknown remote state 'STATE_UNSPECIFIED'" in reasons
    integration.refresh_from_db()
    assert integration.health == "degraded" and "could not be mapped" in integration.status_message


def test_rules_outside_the_integration_frameworks_are_not_used(gcp, service_account, rule):
    from compliance.tests.factories import FrameworkFactory

    gcp.findings = [make_finding(0)]
    integration = gcp_integration(gcp, service_account[0], rule_mapping={"PUBLIC_BUCKET_ACL": rule.pk})
    integration.frameworks.set([FrameworkFactory(code="other")])
    log = services.run_sync(integration_id=integration.pk)
    assert log.created == 0 and "outside the integration's frameworks" in log.unmapped[0]["reason"]


def test_each_run_writes_one_log_and_an_audit_entry(sn):
    _fake, integration = sn
    services.run_sync(integration_id=integration.pk, trigger="manual")
    assert IntegrationLog.objects.filter(integration=integration, kind="sync").count() == 1
    entry = AuditLog.objects.filter(action="integration_synced", object_id=str(integration.pk)).get()
    assert "created 4" in entry.message


def queued_messages(queue="integrations"):
    """The messages waiting in the real Redis broker queue, decoded."""
    import base64
    import json

    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    raw = client.lrange(queue, 0, -1)
    client.delete(queue)
    return [json.loads(base64.b64decode(json.loads(item)["body"])) for item in raw]


def test_dispatcher_queues_due_integrations_once(sn, django_capture_on_commit_callbacks):
    _fake, integration = sn
    queued_messages()
    Integration.objects.filter(pk=integration.pk).update(next_sync_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due_syncs() == [integration.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch_due_syncs() == []  # next_sync_at moved forward
    messages = queued_messages()
    assert [m[1] for m in messages] == [{"integration_id": integration.pk, "trigger": "schedule"}]
    Integration.objects.filter(pk=integration.pk).update(status="inactive", next_sync_at=timezone.now())
    assert services.dispatch_due_syncs() == []
