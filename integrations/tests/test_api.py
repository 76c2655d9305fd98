"""The integrations API: CRUD by declaration, catalog, test-connection, sync, logs, secrets."""

import pytest

from audit.testing import AuditedResourceTests
from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from integrations.models import Integration, IntegrationLog

from .factories import make_integration, splunk_integration

BASE = "/api/v1/integrations/"


class TestIntegrationResource(AuditedResourceTests):
    base_url = BASE
    model = Integration
    write_role = COMPLIANCE_ADMIN
    read_only_role = COMPLIANCE_MANAGER
    update_data = {"name": "Renamed integration", "sync_frequency_minutes": 30}

    def make(self):
        return make_integration(
            "splunk",
            config={"hec_url": "https://splunk.example.com:8088"},
            credentials={"hec_token": "tok-" + "x" * 16},
        )

    def create_data(self):
        return {
            "name": "Jira SEC",
            "provider": "jira",
            "config": {"base_url": "https://acme.atlassian.net", "project_key": "SEC"},
            "credentials": {"email": "bot@acme.example", "api_token": "jira-api-token-123"},
        }


@pytest.mark.django_db
class TestIntegrationEndpoints:
    def test_catalog_lists_providers_with_schema_fields_and_capabilities(self, client_as):
        response = client_as(VIEWER).get(f"{BASE}catalog/")
        assert response.status_code == 200
        by_slug = {row["provider"]: row for row in response.json()}
        assert {"servicenow", "jira", "splunk", "aws_config", "azure_policy", "gcp_scc"} <= set(by_slug)
        jira = by_slug["jira"]
        assert jira["integration_type"] == "ticketing"
        assert set(jira["config_schema"]["required"]) == {"base_url", "project_key"}
        assert {f["name"] for f in jira["credential_fields"]} == {"email", "api_token"}
        assert set(jira["capabilities"]) == {"test_connection", "push_findings", "pull_ticket_status"}

    def test_credentials_are_write_only_with_a_masked_hint(self, client_as):
        response = client_as(COMPLIANCE_ADMIN).post(
            BASE,
            {
                "name": "AWS prod",
                "provider": "aws_config",
                "config": {"region": "eu-west-1"},
                "credentials": {"access_key_id": "AKIAABCDEFGH12345678", "secret_access_key": "very-secret-value"},
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert "credentials" not in body and "very-secret-value" not in response.content.decode()
        assert body["credentials_set"] is True and body["credentials_hint"] == "••••5678"
        assert body["integration_type"] == "security_scanner" and body["status"] == "configured"
        detail = client_as(AUDITOR).get(f"{BASE}{body['id']}/").json()
        assert "credentials" not in detail and detail["credentials_set"] is True

    def test_config_is_validated_against_the_provider_schema(self, client_as, settings):
        settings.INTEGRATIONS_ALLOW_HTTP = False
        client = client_as(COMPLIANCE_ADMIN)
        response = client.post(
            BASE,
            {
                "name": "bad",
                "provider": "jira",
                "config": {"base_url": "https://a.atlassian.net", "project_key": "lower"},
            },
            format="json",
        )
        assert response.status_code == 400 and "project_key" in str(response.json()["config"])
        response = client.post(BASE, {"name": "bad", "provider": "nope", "config": {}}, format="json")
        assert response.status_code == 400 and "provider" in response.json()
        response = client.post(
            BASE,
            {
                "name": "bad",
                "provider": "splunk",
                "config": {"hec_url": "http://x.example"},
                "credentials": {"hec_token": "t" * 10},
            },
            format="json",
        )
        assert response.status_code == 400 and "Only https" in str(response.json())
        response = client.post(
            BASE,
            {
                "name": "bad",
                "provider": "splunk",
                "config": {"hec_url": "https://splunk.example.com"},
                "credentials": {"hec_token": "t" * 10, "extra": "x"},
            },
            format="json",
        )
        assert response.status_code == 400 and "Unknown credential field" in str(response.json())
        response = client.post(
            BASE,
            {
                "name": "bad",
                "provider": "splunk",
                "config": {"hec_url": "https://splunk.example.com", "rule_mapping": {"x": 999999}},
            },
            format="json",
        )
        assert response.status_code == 400 and "do not exist" in str(response.json())
        assert not Integration.objects.exists()

    def test_oversized_credentials_are_refused(self, client_as):
        response = client_as(COMPLIANCE_ADMIN).post(
            BASE,
            {
                "name": "big",
                "provider": "splunk",
                "config": {"hec_url": "https://s.example.com"},
                "credentials": {"hec_token": "t" * 30000},
            },
            format="json",
        )
        assert response.status_code == 400 and not Integration.objects.exists()

    def test_provider_cannot_be_changed_and_status_only_to_user_values(self, client_as):
        integration = splunk_integration_stub()
        client = client_as(COMPLIANCE_ADMIN)
        response = client.patch(f"{BASE}{integration.pk}/", {"provider": "jira"}, format="json")
        assert response.status_code == 200 and response.json()["provider"] == "splunk"
        response = client.patch(f"{BASE}{integration.pk}/", {"status": "error"}, format="json")
        assert response.status_code == 400
        response = client.patch(f"{BASE}{integration.pk}/", {"status": "inactive"}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "inactive"
        assert client.post(f"{BASE}{integration.pk}/sync/").status_code == 409

    def test_test_connection_runs_synchronously_and_is_logged(self, client_as, splunk):
        integration = splunk_integration(splunk)
        response = client_as(COMPLIANCE_ADMIN).post(f"{BASE}{integration.pk}/test-connection/")
        assert response.status_code == 200
        body = response.json()
        assert body["ok"] is True and "token is accepted" in body["message"] and body["latency_ms"] >= 0
        assert IntegrationLog.objects.get(integration=integration).kind == "test_connection"
        integration.refresh_from_db()
        assert integration.status == "active"

    def test_sync_answers_202_with_a_task_id(self, client_as, splunk, django_capture_on_commit_callbacks):
        from .test_sync import queued_messages

        queued_messages()
        integration = splunk_integration(splunk)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_as(COMPLIANCE_ADMIN).post(f"{BASE}{integration.pk}/sync/")
        assert response.status_code == 202
        task_id = response.json()["task_id"]
        messages = queued_messages()
        assert len(messages) == 1 and messages[0][1]["integration_id"] == integration.pk
        assert task_id

    @pytest.mark.parametrize("role", [COMPLIANCE_MANAGER, AUDITOR, VIEWER])
    def test_only_admins_may_test_sync_or_write(self, client_as, role):
        integration = splunk_integration_stub()
        client = client_as(role)
        assert client.post(f"{BASE}{integration.pk}/sync/").status_code == 403
        assert client.post(f"{BASE}{integration.pk}/test-connection/").status_code == 403
        assert (
            client.patch(
                f"{BASE}{integration.pk}/", {"credentials": {"hec_token": "x" * 10}}, format="json"
            ).status_code
            == 403
        )
        assert client.get(f"{BASE}{integration.pk}/").status_code == 200

    def test_unknown_ids_are_404_and_anonymous_is_401(self, client_as, api_client):
        client = client_as(COMPLIANCE_ADMIN)
        assert client.post(f"{BASE}999999/sync/").status_code == 404
        assert client.post(f"{BASE}999999/test-connection/").status_code == 404
        assert client.get(f"{BASE}999999/logs/").status_code == 404
        assert api_client.get(f"{BASE}catalog/").status_code == 401
        assert api_client.post(f"{BASE}1/sync/").status_code == 401

    def test_logs_are_newest_first_with_a_cursor(self, client_as):
        integration = splunk_integration_stub()
        for index in range(5):
            IntegrationLog.objects.create(integration=integration, status="success", fetched=index)
        client = client_as(AUDITOR)
        first = client.get(f"{BASE}{integration.pk}/logs/?page_size=3").json()
        assert "count" not in first and [r["fetched"] for r in first["results"]] == [4, 3, 2]
        second = client.get(first["next"]).json()
        assert [r["fetched"] for r in second["results"]] == [1, 0] and second["next"] is None
        assert client.get(f"{BASE}{integration.pk}/logs/?status=bogus").status_code == 400
        assert client.get(f"{BASE}{integration.pk}/logs/?cursor=garbage").status_code == 400

    def test_list_filters_reject_unknown_choices(self, client_as):
        client = client_as(VIEWER)
        assert client.get(f"{BASE}?provider=nope").status_code == 400
        assert client.get(f"{BASE}?health=bogus").status_code == 400
        splunk_integration_stub()
        assert len(client.get(f"{BASE}?provider=splunk").json()["results"]) == 1


def splunk_integration_stub():
    return make_integration(
        "splunk", config={"hec_url": "https://splunk.example.com:8088"}, credentials={"hec_token": "tok-" + "y" * 16}
    )
