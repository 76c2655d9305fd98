"""The admin: write-only credentials, validation in the form, and the two run actions."""

import pytest
from django.test import Client
from django.urls import reverse

from compliance.tests.factories import UserFactory
from integrations.models import Integration, IntegrationLog

from .conftest import CANARY
from .factories import splunk_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web():
    client = Client()
    client.force_login(UserFactory(username="integrations-admin", is_staff=True, is_superuser=True))
    return client


def test_add_form_encrypts_credentials_and_never_shows_them(admin_web, splunk):
    url = reverse("admin:integrations_integration_add")
    response = admin_web.post(
        url,
        {
            "name": "SIEM",
            "provider": "splunk",
            "description": "",
            "status": "configured",
            "config": f'{{"hec_url": "{splunk.url}"}}',
            "sync_frequency_minutes": 5,
            "new_credentials": f'{{"hec_token": "{CANARY}"}}',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get(name="SIEM")
    assert integration.credentials == {"hec_token": CANARY} and integration.credentials_set
    page = admin_web.get(reverse("admin:integrations_integration_change", args=[integration.pk]))
    assert page.status_code == 200 and CANARY not in page.content.decode()


def test_form_reports_schema_errors_without_echoing_credentials(admin_web):
    response = admin_web.post(
        reverse("admin:integrations_integration_add"),
        {
            "name": "Bad",
            "provider": "jira",
            "status": "configured",
            "config": '{"base_url": "https://a.example"}',
            "sync_frequency_minutes": 5,
            "new_credentials": '{"email": "x@example.com", "api_token": "SECRETISH"}',
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "project_key" in body and not Integration.objects.exists()
    bad_json = admin_web.post(
        reverse("admin:integrations_integration_add"),
        {
            "name": "Bad",
            "provider": "splunk",
            "status": "configured",
            "config": '{"hec_url": "https://s.example"}',
            "sync_frequency_minutes": 5,
            "new_credentials": '{"hec_token": SECRETISH',
        },
    )
    assert "Must be a JSON object." in bad_json.content.decode() and "SECRETISH" not in bad_json.content.decode()


def test_changelist_actions_test_connection_and_sync_now(admin_web, splunk, django_capture_on_commit_callbacks):
    from .test_sync import queued_messages

    queued_messages()
    integration = splunk_integration(splunk)
    url = reverse("admin:integrations_integration_changelist")
    assert admin_web.get(url).status_code == 200
    response = admin_web.post(
        url, {"action": "test_connection_action", "_selected_action": [integration.pk]}, follow=True
    )
    assert "token is accepted" in response.content.decode()
    assert IntegrationLog.objects.filter(integration=integration, kind="test_connection", trigger="admin").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(url, {"action": "sync_now_action", "_selected_action": [integration.pk]}, follow=True)
    assert "Queued 1 sync" in response.content.decode()
    assert [m[1]["trigger"] for m in queued_messages()] == ["admin"]


def test_logs_are_read_only(admin_web, splunk):
    integration = splunk_integration(splunk)
    log = IntegrationLog.objects.create(integration=integration, status="success")
    assert admin_web.get(reverse("admin:integrations_integrationlog_changelist")).status_code == 200
    assert admin_web.get(reverse("admin:integrations_integrationlog_add")).status_code == 403
    assert admin_web.post(reverse("admin:integrations_integrationlog_delete", args=[log.pk])).status_code == 403
