"""The suite-wide canary watch itself: each channel it watches really reports a sighting."""

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from common.testing import canary

pytestmark = pytest.mark.django_db


@pytest.fixture
def watch():
    before = len(canary.sightings)
    yield lambda: canary.sightings[before:]
    del canary.sightings[before:]  # these leaks were planted; they must not fail the run


def test_log_records_are_watched(watch):
    logging.getLogger("integrations.sync").warning("vendor said %s", canary.CANARY)
    assert any("log integrations.sync" in s for s in watch())


def test_responses_are_watched(watch):
    middleware = canary.CanaryResponseMiddleware(lambda request: HttpResponse(f"token={canary.CANARY}"))
    middleware(RequestFactory().get("/api/v1/leaky/"))
    assert any("response GET /api/v1/leaky/" in s for s in watch())


def test_audit_rows_are_watched(watch):
    from audit.services import record_event

    record_event(action="test_leak", message=f"oops {canary.CANARY}")
    assert any("row audit.AuditLog" in s for s in watch())


def test_task_results_are_watched(watch):
    from celery.signals import task_postrun

    task_postrun.send(sender=None, task_id="t", task=None, retval={"secret": canary.CANARY})
    assert any("task result" in s for s in watch())


def test_clean_traffic_is_not_reported(watch, client_as):
    client_as("Auditor").get("/api/v1/rules/")
    assert watch() == []
