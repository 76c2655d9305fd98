"""ServiceNow Table API: pull compliance records, push findings as incidents.

Pull: GET /api/now/table/{table}?sysparm_query=…&sysparm_limit=…&sysparm_offset=…, body
{"result": [...]}. Push: POST /api/now/table/incident → 201 {"result": {"sys_id", "number"}}.
Auth: basic, or OAuth (POST /oauth_token.do, password grant) → Bearer token.
Errors: {"error": {"message", "detail"}, "status": "failure"}.
"""

from ..choices import Capability, IntegrationType
from ..registry import register
from .base import (
    CredentialField,
    Provider,
    RemoteError,
    RemoteResult,
    TicketRef,
    finding_description_lines,
    finding_summary,
    parse_remote_time,
)
from .client import TokenClient, basic_authorization

SEVERITY_TO_IMPACT = {"critical": "1", "high": "1", "medium": "2", "low": "3"}
DEFAULT_STATUS_MAP = {"compliant": "passed", "non_compliant": "failed", "not_applicable": "not_applicable"}


class ServiceNowClient(TokenClient):
    label = "ServiceNow"
    base_url_key = "instance_url"

    def auth_headers(self):
        if self.config.get("auth_type", "basic") == "oauth":
            return self.bearer_headers()
        return basic_authorization(self.credentials.get("username", ""), self.credentials.get("password", ""))

    def fetch_token(self):
        response = self.request(
            "POST",
            "oauth_token.do",
            auth=False,
            data={
                "grant_type": "password",
                "client_id": self.credentials.get("client_id", ""),
                "client_secret": self.credentials.get("client_secret", ""),
                "username": self.credentials.get("username", ""),
                "password": self.credentials.get("password", ""),
            },
        )
        return self.access_token(response, "ServiceNow's token endpoint")

    def error_message(self, body, response):
        error = body.get("error") or {}
        return f"{error.get('message', '')} {error.get('detail') or ''}".strip()


@register
class ServiceNowProvider(Provider):
    slug = "servicenow"
    name = "ServiceNow"
    integration_type = IntegrationType.GRC_TOOL
    description = "Pull compliance results from any table (Table API); push findings as incidents."
    capabilities = (Capability.TEST_CONNECTION, Capability.PULL_EVALUATIONS, Capability.PUSH_FINDINGS)
    default_sync_minutes = 60
    url_fields = ("instance_url",)
    hint_field = "username"
    source_type = "application"
    finding_delivery = "ticket"
    client_class = ServiceNowClient
    credential_fields = (
        CredentialField("username", "User name", secret=False),
        CredentialField("password", "Password"),
        CredentialField("client_id", "OAuth client id", required=False, secret=False),
        CredentialField("client_secret", "OAuth client secret", required=False),
    )
    config_schema = {
        "type": "object",
        "required": ["instance_url"],
        "properties": {
            "instance_url": {"type": "string", "maxLength": 500, "description": "https://<instance>.service-now.com"},
            "auth_type": {"type": "string", "enum": ["basic", "oauth"]},
            "table": {"type": "string", "pattern": "^[a-z0-9_]{1,80}$"},
            "query": {"type": "string", "maxLength": 2000, "description": "sysparm_query, encoded query syntax."},
            "resource_field": {"type": "string", "maxLength": 80},
            "resource_name_field": {"type": "string", "maxLength": 80},
            "rule_field": {"type": "string", "maxLength": 80},
            "status_field": {"type": "string", "maxLength": 80},
            "timestamp_field": {"type": "string", "maxLength": 80},
            "status_map": {
                "type": "object",
                "additionalProperties": {"enum": ["passed", "failed", "error", "not_applicable"]},
            },
            "incident_category": {"type": "string", "maxLength": 80},
            "assignment_group": {"type": "string", "maxLength": 80},
        },
    }

    def required_credentials(self, config):
        names = ["username", "password"]
        if isinstance(config, dict) and config.get("auth_type") == "oauth":
            names += ["client_id", "client_secret"]
        return names

    def _table(self, client):
        return client.config.get("table", "sn_compliance_policy_statement")

    def test_connection(self, client):
        client.request("GET", f"api/now/table/{self._table(client)}", params={"sysparm_limit": 1})
        return f"Connected to ServiceNow; table {self._table(client)} is readable."

    def fetch_pages(self, client, *, state):
        cfg = client.config
        fields = {
            "resource": cfg.get("resource_field", "cmdb_ci"),
            "name": cfg.get("resource_name_field", ""),
            "rule": cfg.get("rule_field", "policy_statement"),
            "status": cfg.get("status_field", "status"),
            "time": cfg.get("timestamp_field", "sys_updated_on"),
        }
        status_map = {**DEFAULT_STATUS_MAP, **cfg.get("status_map", {})}
        limit = cfg.get("page_size", 500)
        offset = 0
        while True:
            response = client.request(
                "GET",
                f"api/now/table/{self._table(client)}",
                params={
                    "sysparm_query": cfg.get("query", "ORDERBYsys_updated_on"),
                    "sysparm_limit": limit,
                    "sysparm_offset": offset,
                    "sysparm_exclude_reference_link": "true",
                    "sysparm_fields": ",".join(["sys_id", *(f for f in fields.values() if f)]),
                },
            )
            records = client.json(response).get("result")
            if not isinstance(records, list):
                raise RemoteError("ServiceNow answered without a result list.")
            yield [self._result(record, fields, status_map) for record in records]
            offset += len(records)
            if len(records) < limit or 'rel="next"' not in response.headers.get("Link", ""):
                return

    def _result(self, record, fields, status_map):
        def value(key):
            raw = record.get(fields[key]) if fields[key] else ""
            if isinstance(raw, dict):  # reference fields when links are not excluded
                raw = raw.get("value", "")
            return str(raw or "")

        raw_status = value("status")
        stamp = value("time")
        return RemoteResult(
            remote_id=str(record.get("sys_id", "")),
            remote_timestamp=stamp,
            resource_id=value("resource"),
            resource_name=value("name"),
            rule_key=value("rule"),
            status=status_map.get(raw_status.lower()),
            raw_status=raw_status,
            evaluated_at=parse_remote_time(stamp),
            details={"table_sys_id": record.get("sys_id", ""), "remote_status": raw_status},
        )

    def create_ticket(self, client, finding):
        cfg = client.config
        impact = SEVERITY_TO_IMPACT.get(finding.severity, "2")
        body = {
            "short_description": finding_summary(finding),
            "description": "\n".join(finding_description_lines(finding)),
            "impact": impact,
            "urgency": impact,
            "category": cfg.get("incident_category", "security"),
            "correlation_id": f"compliance-finding-{finding.pk}",
        }
        if cfg.get("assignment_group"):
            body["assignment_group"] = cfg["assignment_group"]
        response = client.request("POST", "api/now/table/incident", ok=(200, 201), json=body)
        result = client.json(response).get("result") or {}
        sys_id = str(result.get("sys_id", ""))
        return TicketRef(
            remote_id=sys_id,
            remote_key=str(result.get("number", "")),
            remote_url=client.url(f"nav_to.do?uri=incident.do?sys_id={sys_id}"),
            remote_status=str(result.get("state", "")),
        )
