"""Object-level access across apps: outside an object's access, a user never sees it."""

import pytest

from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from common.testing.canary import CANARY
from compliance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def restricted_report(client_as):
    owner = client_as(COMPLIANCE_MANAGER)
    created = owner.post(
        "/api/v1/reports/",
        {"name": "Board pack", "report_type": "executive_summary", "file_format": "json", "access_level": "restricted"},
        format="json",
    )
    assert created.status_code == 201, created.content
    return created.json()["id"]


def token_client(user):
    from rest_framework.test import APIClient

    from conftest import token_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.mark.parametrize("role", [AUDITOR, VIEWER])
def test_restricted_report_is_invisible_outside_its_access(restricted_report, client_as, role):
    outsider = client_as(role)
    assert restricted_report not in ids(outsider.get("/api/v1/reports/"))
    for suffix in ("", "download/"):
        assert outsider.get(f"/api/v1/reports/{restricted_report}/{suffix}").status_code == 404
    assert outsider.post(f"/api/v1/reports/{restricted_report}/generate/").status_code in (403, 404)


def test_restricted_report_hidden_from_another_manager_but_not_from_admin_or_share(restricted_report, client_as):
    other_manager = token_client(UserFactory(username="other-manager", roles=[COMPLIANCE_MANAGER]))
    assert restricted_report not in ids(other_manager.get("/api/v1/reports/"))
    assert other_manager.get(f"/api/v1/reports/{restricted_report}/").status_code == 404
    assert restricted_report in ids(client_as(COMPLIANCE_ADMIN).get("/api/v1/reports/"))


def test_notifications_are_only_their_recipients(client_as):
    from workflows.models import Notification

    alice = client_as(VIEWER)
    bob = token_client(UserFactory(username="bob", roles=[VIEWER]))
    note = Notification.objects.create(recipient=alice.user, verb="assigned", message="Step assigned to you")
    assert note.pk in ids(alice.get("/api/v1/notifications/"))
    assert note.pk not in ids(bob.get("/api/v1/notifications/"))
    assert bob.get(f"/api/v1/notifications/{note.pk}/").status_code == 404
    assert bob.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("role", [COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR, VIEWER])
def test_integration_credentials_are_never_returned(client_as, role):
    admin = client_as(COMPLIANCE_ADMIN)
    created = admin.post(
        "/api/v1/integrations/",
        {
            "name": "Splunk HEC",
            "provider": "splunk",
            "config": {"hec_url": "https://splunk.example.com:8088"},
            "credentials": {"hec_token": CANARY},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert CANARY not in created.content.decode()
    reader = admin if role == COMPLIANCE_ADMIN else client_as(role)
    listing = reader.get("/api/v1/integrations/")
    detail = reader.get(f"/api/v1/integrations/{created.json()['id']}/")
    for response in (listing, detail):
        assert response.status_code == 200
        assert CANARY not in response.content.decode()
        assert "credentials" not in (response.json() if response is detail else response.json()["results"][0])
    assert detail.json()["credentials_set"] is True
