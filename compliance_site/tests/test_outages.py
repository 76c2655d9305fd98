"""PostgreSQL or Redis going away: clean 503s, nothing half-written, recovery without restart."""

import contextlib
import socket
import subprocess
import time

import pytest
from django.db import connection
from django.test import Client

from common.queueing import BrokerUnavailable, enqueue_on_commit
from common.roles import COMPLIANCE_MANAGER
from common.testing.broker import broker_url
from compliance_site.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_unreachable():
    """Point the connection at a closed port: every query fails as if the server were down."""
    original = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original


def test_database_down_gives_clean_503s_and_recovers(client_as):
    api = client_as(COMPLIANCE_MANAGER)
    api.raise_request_exception = False
    pages = Client(raise_request_exception=False)
    pages.force_login(api.user)
    with database_unreachable():
        health = Client().get("/healthz")
        assert health.status_code == 503 and health.json()["database"] == "unavailable"

        response = api.get("/api/v1/rules/")
        assert response.status_code == 503
        assert response.json() == {"detail": "The database is temporarily unavailable. Please try again in a moment."}
        assert response["Retry-After"] == "5"

        page = pages.get("/admin/")
        assert page.status_code == 503
        html = page.content.decode()
        assert "Temporarily unavailable" in html
        assert "Traceback" not in html and "OperationalError" not in html and "psycopg" not in html
    assert Client().get("/healthz").status_code == 200
    assert api.get("/api/v1/rules/").status_code == 200


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port):
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


@celery_app.task(name="compliance_site.tests.noop")
def noop():
    return None


def test_enqueue_fails_fast_while_redis_is_down_and_works_again_after(monkeypatch):
    from common import queueing

    port = free_port()
    redis = start_redis(port)
    try:
        with broker_url(f"redis://127.0.0.1:{port}/0", monkeypatch):
            monkeypatch.setattr(queueing, "_last_ok", 0.0)
            enqueue_on_commit(noop.name)
            redis.kill()
            redis.wait()
            monkeypatch.setattr(queueing, "_last_ok", 0.0)
            start = time.monotonic()
            with pytest.raises(BrokerUnavailable):
                enqueue_on_commit(noop.name)
            assert time.monotonic() - start < 5
            redis = start_redis(port)
            monkeypatch.setattr(queueing, "_last_ok", 0.0)
            assert enqueue_on_commit(noop.name)
    finally:
        redis.kill()
        redis.wait()


def test_generate_request_is_503_and_writes_nothing_while_redis_is_down(client_as, monkeypatch):
    from common import queueing
    from reports.models import Report

    api = client_as(COMPLIANCE_MANAGER)
    created = api.post(
        "/api/v1/reports/", {"name": "Outage", "report_type": "compliance_status", "file_format": "json"}, format="json"
    )
    assert created.status_code == 201, created.content
    report_id = created.json()["id"]
    port = free_port()
    with broker_url(f"redis://127.0.0.1:{port}/0", monkeypatch):  # nothing listens there
        monkeypatch.setattr(queueing, "_last_ok", 0.0)
        start = time.monotonic()
        response = api.post(f"/api/v1/reports/{report_id}/generate/")
        assert time.monotonic() - start < 5
        assert response.status_code == 503
        assert "unavailable" in response.json()["detail"]
        report = Report.objects.get(pk=report_id)
        assert report.status == "draft" and not report.task_id
        redis = start_redis(port)
        try:
            monkeypatch.setattr(queueing, "_last_ok", 0.0)
            response = api.post(f"/api/v1/reports/{report_id}/generate/")
            assert response.status_code == 202, response.content
        finally:
            redis.kill()
            redis.wait()
