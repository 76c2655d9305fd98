"""Who the actor is outside requests: management commands and Celery tasks (real worker on Redis)."""

import io
import time

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command

from audit.context import audit_context, get_context
from audit.models import AuditLog
from common.queueing import enqueue_on_commit
from compliance.models import Framework
from compliance.tests.factories import FrameworkFactory, UserFactory
from compliance_site.celery import app


@shared_task(name="audit.tests.rename_framework")
def rename_framework(framework_id, name):
    framework = Framework.objects.get(pk=framework_id)
    framework.name = name
    framework.save()


@pytest.mark.django_db
def test_a_command_writes_as_system_command():
    call_command("purge_audit_log", stdout=io.StringIO())
    entry = AuditLog.objects.get(action="audit_purge")
    assert entry.actor_id is None and entry.actor_username == "system:purge_audit_log"
    assert entry.source == "command" and len(entry.request_id) == 32
    assert get_context().source == "system"  # restored after the command


@pytest.mark.django_db
def test_a_command_inside_a_request_keeps_the_request_context():
    user = UserFactory(username="caller")
    with audit_context(source="api", actor_resolver=lambda: user, request_id="req-cmd"):
        call_command("purge_audit_log", stdout=io.StringIO())
    entry = AuditLog.objects.get(action="audit_purge")
    assert (entry.actor_id, entry.source, entry.request_id) == (user.pk, "api", "req-cmd")


def _wait_for(query, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = query()
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError("the worker did not write the entry in time")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_carries_the_user_and_request_id_to_the_worker():
    user = UserFactory(username="starter")
    framework = FrameworkFactory(code="tasked", name="before")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        with audit_context(source="api", actor_resolver=lambda: user, request_id="req-task-1"):
            enqueue_on_commit(rename_framework.name, args=[framework.pk, "after"])
        entry = _wait_for(
            lambda: AuditLog.objects.filter(
                action="update", object_id=str(framework.pk), content_type__model="framework"
            ).first()
        )
        enqueue_on_commit(rename_framework.name, args=[framework.pk, "by nobody"])
        system = _wait_for(
            lambda: AuditLog.objects.filter(
                action="update", object_id=str(framework.pk), changes__name=["after", "by nobody"]
            ).first()
        )
    assert (entry.actor_id, entry.actor_username, entry.source, entry.request_id) == (
        user.pk,
        "starter",
        "task",
        "req-task-1",
    )
    assert entry.changes == {"name": ["before", "after"]}
    assert (system.actor_id, system.actor_username, system.source) == (
        None,
        "system:audit.tests.rename_framework",
        "task",
    )
    assert len(system.request_id) == 32
