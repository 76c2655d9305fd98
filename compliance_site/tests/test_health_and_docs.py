"""/healthz, /favicon.ico, the OpenAPI schema and the local API docs."""

import pytest
from django.db import OperationalError

from common.roles import VIEWER

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"  # the suite runs against real Redis
    assert isinstance(body["workers"], int)


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from compliance_site import health

    def broken():
        raise OperationalError("connection refused")

    # The database's edge: the cursor cannot be opened.
    monkeypatch.setattr(health.connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.redirect_chain == [("/static/favicon.svg", 302)]
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)


def test_schema_is_generated_and_requires_auth(client_as, api_client):
    assert api_client.get("/api/schema/").status_code == 401
    response = client_as(VIEWER).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for path in ("/api/v1/rules/", "/api/v1/evaluations/bulk/", "/api/v1/frameworks/{code}/controls/"):
        assert path in schema["paths"], path


def test_docs_use_only_local_assets(client_as, client):
    user = client_as(VIEWER).user
    client.force_login(user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/static/drf_spectacular_sidecar/" in html
