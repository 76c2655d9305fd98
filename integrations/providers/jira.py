"""Jira Cloud REST v3: push findings as issues (ADF description), pull their status back.

Push: POST /rest/api/3/issue → 201 {"id", "key", "self"}.
Status: POST /rest/api/3/search/jql {"jql", "fields", "maxResults", "nextPageToken"} →
{"issues": [{"id", "key", "fields": {"status": {"name", "statusCategory": {"key"}}}}],
"nextPageToken", "isLast"}; statusCategory "done" resolves the finding.
Auth: basic with the account e-mail and an API token. Errors: {"errorMessages", "errors"}.
"""

from ..choices import Capability, IntegrationType
from ..registry import register
from .base import (
    CredentialField,
    Provider,
    TicketRef,
    TicketState,
    finding_description_lines,
    finding_summary,
)
from .client import BaseClient, basic_authorization

SEVERITY_TO_PRIORITY = {"critical": "Highest", "high": "High", "medium": "Medium", "low": "Low"}
SEARCH_BATCH = 100


def adf_document(finding):
    """The issue description in Atlassian Document Format (a heading, a paragraph, a list)."""
    lines = finding_description_lines(finding)

    def text(value):
        return {"type": "text", "text": value}

    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 3}, "content": [text("Compliance finding")]},
            {"type": "paragraph", "content": [text(finding.title)]},
            {
                "type": "bulletList",
                "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [text(line)]}]} for line in lines
                ],
            },
        ],
    }


class JiraClient(BaseClient):
    label = "Jira"

    def auth_headers(self):
        return basic_authorization(self.credentials.get("email", ""), self.credentials.get("api_token", ""))

    def error_message(self, body, response):
        parts = list(body.get("errorMessages") or [])
        parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
        return "; ".join(str(p) for p in parts) or response.reason


@register
class JiraProvider(Provider):
    slug = "jira"
    name = "Jira Cloud"
    integration_type = IntegrationType.TICKETING
    description = "Open a Jira issue per finding; resolve the finding when its issue is done."
    capabilities = (Capability.TEST_CONNECTION, Capability.PUSH_FINDINGS, Capability.PULL_TICKET_STATUS)
    default_sync_minutes = 15
    url_fields = ("base_url",)
    hint_field = "email"
    finding_delivery = "ticket"
    client_class = JiraClient
    credential_fields = (
        CredentialField("email", "Account e-mail", secret=False),
        CredentialField("api_token", "API token"),
    )
    config_schema = {
        "type": "object",
        "required": ["base_url", "project_key"],
        "properties": {
            "base_url": {"type": "string", "maxLength": 500, "description": "https://<site>.atlassian.net"},
            "project_key": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]{0,19}$"},
            "issue_type": {"type": "string", "maxLength": 60},
            "labels": {"type": "array", "items": {"type": "string", "pattern": "^\\S{1,60}$"}, "maxItems": 10},
        },
    }

    def test_connection(self, client):
        me = client.json(client.request("GET", "rest/api/3/myself"))
        return f"Connected to Jira as {str(me.get('displayName') or me.get('accountId') or 'unknown')[:100]}."

    def create_ticket(self, client, finding):
        cfg = client.config
        fields = {
            "project": {"key": cfg["project_key"]},
            "issuetype": {"name": cfg.get("issue_type", "Task")},
            "summary": finding_summary(finding),
            "description": adf_document(finding),
            "labels": cfg.get("labels", ["compliance"]),
            "priority": {"name": SEVERITY_TO_PRIORITY.get(finding.severity, "Medium")},
        }
        body = client.json(client.request("POST", "rest/api/3/issue", ok=(201,), json={"fields": fields}))
        key = str(body.get("key", ""))
        return TicketRef(
            remote_id=str(body.get("id", "")), remote_key=key, remote_url=client.url(f"browse/{key}"), remote_status=""
        )

    def ticket_states(self, client, tickets):
        states = {}
        tickets = list(tickets)
        for start in range(0, len(tickets), SEARCH_BATCH):
            ids = ", ".join(
                str(int(t.remote_id)) for t in tickets[start : start + SEARCH_BATCH] if t.remote_id.isdigit()
            )
            if not ids:
                continue
            token = None
            while True:
                body = {"jql": f"id in ({ids})", "fields": ["status"], "maxResults": SEARCH_BATCH}
                if token:
                    body["nextPageToken"] = token
                page = client.json(client.request("POST", "rest/api/3/search/jql", json=body))
                for issue in page.get("issues") or []:
                    status = (issue.get("fields") or {}).get("status") or {}
                    category = (status.get("statusCategory") or {}).get("key", "")
                    states[str(issue.get("id"))] = TicketState(
                        status=str(status.get("name", ""))[:100], done=category == "done"
                    )
                token = page.get("nextPageToken")
                if page.get("isLast", True) or not token:
                    break
        return states
