"""Each connector against its local fake: auth headers, paging, mapping and push payloads."""

import base64
import json

import pytest

from compliance.models import DataSource, Finding, RuleEvaluation
from compliance.tests.factories import DataSourceFactory, record
from integrations import registry, services
from integrations.models import FindingTicket, RemoteResource

from .factories import azure_integration, gcp_integration, jira_integration, servicenow_integration, splunk_integration
from .fakes.azure import example_states, make_state
from .fakes.gcp import make_finding

pytestmark = pytest.mark.django_db


def sn_record(index, status, policy="PS-ENCRYPT"):
    return {
        "sys_id": f"{index:032x}",
        "cmdb_ci": f"ci{index % 3}",
        "policy_statement": policy,
        "status": status,
        "sys_updated_on": f"2026-01-05 10:00:{index:02d}",
    }


def test_catalog_lists_the_six_required_providers_with_schemas():
    entries = {entry["provider"]: entry for entry in (p.catalog_entry() for p in registry.all_providers())}
    assert {"servicenow", "jira", "splunk", "aws_config", "azure_policy", "gcp_scc"} <= set(entries)
    for entry in entries.values():
        assert entry["config_schema"]["type"] == "object"
        assert entry["capabilities"] and "test_connection" in entry["capabilities"]
        assert entry["credential_fields"]


# --- ServiceNow ---------------------------------------------------------------------------
def test_servicenow_pulls_pages_with_basic_auth_and_maps_results(servicenow, rule):
    servicenow.records = [sn_record(i, "non_compliant" if i % 2 else "compliant") for i in range(5)]
    servicenow.records.append(sn_record(9, "compliant", policy="PS-UNMAPPED"))
    integration = servicenow_integration(
        servicenow, page_size=2, rule_mapping={"PS-ENCRYPT": rule.pk}, push_findings=False
    )
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "partial", log.error
    assert servicenow.incidents == []
    assert (log.fetched, log.created, log.failed) == (6, 5, 1)
    assert log.unmapped[0]["rule_key"] == "PS-UNMAPPED" and "no rule mapped" in log.unmapped[0]["reason"]
    table_calls = servicenow.calls("/api/now/table/sn_compliance_policy_statement")
    assert [c.query["sysparm_offset"][0] for c in table_calls] == ["0", "2", "4"]
    expected = "Basic " + base64.b64encode(b"svc:pw").decode()
    assert all(c.headers["authorization"] == expected for c in table_calls)
    assert RemoteResource.objects.filter(provider="servicenow").count() == 3
    statuses = list(RuleEvaluation.objects.filter(rule=rule).order_by("evaluated_at").values_list("status", flat=True))
    assert statuses == ["passed", "failed", "passed", "failed", "passed"]


def test_servicenow_oauth_fetches_a_token_then_uses_bearer(servicenow, rule):
    servicenow.records = [sn_record(1, "compliant")]
    integration = services.create_integration(
        name="sn oauth",
        provider="servicenow",
        config={"instance_url": servicenow.url, "auth_type": "oauth", "rule_mapping": {"PS-ENCRYPT": rule.pk}},
        credentials={"username": "svc", "password": "pw", "client_id": "cid", "client_secret": "csecret"},
    )
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", log.error
    token_call = servicenow.calls("/oauth_token.do")[0]
    assert token_call.form()["grant_type"] == "password"
    assert servicenow.calls("/api/now/table/")[0].headers["authorization"] == "Bearer sn-token-1"


def test_servicenow_pushes_active_findings_as_incidents_once(servicenow, rule):
    source = DataSourceFactory()
    record(rule, source, "failed")
    integration = servicenow_integration(servicenow, rule_mapping={})
    services.run_sync(integration_id=integration.pk)
    services.run_sync(integration_id=integration.pk)
    assert len(servicenow.incidents) == 1
    incident = servicenow.incidents[0]
    assert incident["short_description"].startswith("[HIGH] Storage requires HTTPS")
    assert incident["impact"] == incident["urgency"] == "1"
    ticket = FindingTicket.objects.get()
    assert ticket.remote_key == "INC0010001" and ticket.finding.rule == rule


# --- Jira ---------------------------------------------------------------------------------
def test_jira_creates_issues_in_adf_and_resolves_findings_when_done(jira, rule):
    sources = [DataSourceFactory() for _ in range(3)]
    for source in sources:
        record(rule, source, "failed")
    integration = jira_integration(jira, labels=["compliance", "cis"])
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", log.error
    assert log.created == 3 and len(jira.issues) == 3
    issue = next(iter(jira.issues.values()))
    description = issue["fields"]["description"]
    assert description["type"] == "doc" and description["version"] == 1
    assert {node["type"] for node in description["content"]} == {"heading", "paragraph", "bulletList"}
    assert issue["fields"]["priority"] == {"name": "High"} and issue["fields"]["labels"] == ["compliance", "cis"]
    expected = "Basic " + base64.b64encode(b"bot@example.com:jira-token").decode()
    assert jira.calls("/rest/api/3/issue")[0].headers["authorization"] == expected

    jira.set_status("SEC-1", "Done", "done")
    jira.set_status("SEC-3", "Done", "done")
    log = services.run_sync(integration_id=integration.pk)
    assert log.updated == 2, log.error
    searches = jira.calls("/rest/api/3/search/jql")
    assert len(searches) == 2  # the fake's page size is 2: three open tickets take two pages
    assert searches[-1].json()["nextPageToken"] == "2"
    assert Finding.objects.filter(status="resolved").count() == 2
    assert set(FindingTicket.objects.values_list("remote_status", flat=True)) == {"Done", "To Do"}


def test_jira_validation_error_body_is_reported_readably(jira, rule):
    record(rule, DataSourceFactory(), "failed")
    integration = jira_integration(jira)
    jira.project = "OTHER"  # the fake now rejects our project key, as Jira does
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "failed"
    assert "HTTP 400" in log.error and "project: valid project is required" in log.error


# --- Splunk -------------------------------------------------------------------------------
def test_splunk_streams_audit_events_and_findings_with_the_splunk_header(splunk, rule):
    record(rule, DataSourceFactory(), "failed")
    integration = splunk_integration(splunk, index="compliance", sourcetype="compliance:event")
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", log.error
    calls = splunk.calls("/services/collector/event")
    assert calls and all(c.headers["authorization"] == "Splunk hec-token" for c in calls)
    kinds = {event["event"]["type"] for event in splunk.events}
    assert kinds == {"audit", "finding"}
    assert all(event["index"] == "compliance" for event in splunk.events)
    sent = len(splunk.events)
    services.run_sync(integration_id=integration.pk)
    # The cursor moved: only audit entries written since (by the first sync itself) go out.
    new_events = splunk.events[sent:]
    assert new_events and {e["event"]["type"] for e in new_events} == {"audit"}


def test_splunk_test_connection_accepts_no_data_and_reports_bad_token(splunk):
    integration = splunk_integration(splunk)
    assert services.test_connection(integration=integration)["ok"] is True
    splunk.token = "rotated"
    result = services.test_connection(integration=integration)
    assert result["ok"] is False and "Invalid token (code 4)" in result["message"]


# --- Azure Policy ---------------------------------------------------------------------------
def test_azure_follows_nextlink_with_client_credentials_token(azure, rule):
    azure.states = example_states() + [
        make_state(i, subscription=azure.subscription, compliant=i % 2 == 0) for i in range(3)
    ]
    definition = azure.states[0]["policyDefinitionName"]
    integration = azure_integration(azure, rule_mapping={definition: rule.pk, "audit-storage-https": rule.pk})
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", (log.error, log.unmapped)
    assert (log.fetched, log.created) == (len(azure.states), len(azure.states))
    token_call = azure.calls("/oauth2/v2.0/token")[0]
    assert token_call.form()["grant_type"] == "client_credentials"
    queries = azure.calls("/queryResults")
    assert len(queries) == 3 and "$skiptoken" in queries[-1].query
    assert all(q.headers["authorization"] == "Bearer aad-1" for q in queries)
    example_resource = azure.states[0]["resourceId"].lower()
    assert DataSource.objects.get(remote_resources__resource_id=example_resource)


def test_azure_bad_secret_is_an_authentication_error(azure, rule):
    integration = azure_integration(azure)
    azure.client_secret = "changed"
    log = services.run_sync(integration_id=integration.pk)
    integration.refresh_from_db()
    assert log.status == "failed" and "AADSTS7000215" in log.error
    assert integration.status == "error" and integration.health == "unhealthy"


def test_azure_nextlink_to_another_host_is_not_followed(azure, rule):
    azure.states = [make_state(i, subscription=azure.subscription, compliant=True) for i in range(3)]
    integration = azure_integration(azure, rule_mapping={"audit-storage-https": rule.pk})
    original = azure.route

    def hostile(request):
        reply = original(request)
        if isinstance(reply.body, dict) and "@odata.nextLink" in reply.body:
            reply.body["@odata.nextLink"] = "https://attacker.example/steal"
        return reply

    azure.route = hostile
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "failed" and "another host" in log.error
    assert log.created == 2  # the first page was ingested before the bad link


# --- GCP SCC --------------------------------------------------------------------------------
def test_gcp_signs_a_jwt_and_pages_findings(gcp, service_account, rule):
    gcp.findings = [make_finding(i, active=i != 1) for i in range(5)]
    integration = gcp_integration(gcp, service_account[0], rule_mapping={"PUBLIC_BUCKET_ACL": rule.pk})
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", log.error
    assert (log.fetched, log.created) == (5, 5)
    pages = gcp.calls("/sources/-/findings")
    assert [c.query.get("pageToken", [""])[0] for c in pages] == ["", "2", "4"]
    assert all(c.headers["authorization"] == "Bearer ya29.fake-1" for c in pages)
    statuses = dict(RuleEvaluation.objects.values_list("details__remote_id", "status"))
    assert statuses["organizations/123456/sources/42/findings/f000001"] == "passed"
    assert statuses["organizations/123456/sources/42/findings/f000000"] == "failed"


def test_gcp_rejected_jwt_is_an_authentication_error(gcp, rule):
    from .fakes.gcp import new_service_account

    stranger, _ = new_service_account()  # a valid key the fake does not know
    integration = gcp_integration(gcp, stranger)
    log = services.run_sync(integration_id=integration.pk)
    integration.refresh_from_db()
    assert "Invalid JWT Signature" in log.error and integration.status == "error"
    assert "PRIVATE KEY" not in log.error and "PRIVATE KEY" not in integration.status_message


def test_credentials_validation_never_echoes_a_bad_key_file():
    with pytest.raises(Exception) as info:
        services.create_integration(
            name="g",
            provider="gcp_scc",
            config={"organization_id": "1"},
            credentials={"service_account_json": "not-json-SECRETISH"},
        )
    assert "SECRETISH" not in str(info.value)
    assert json.dumps(getattr(info.value, "message_dict", {})).find("SECRETISH") == -1
