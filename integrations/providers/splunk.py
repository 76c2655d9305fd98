"""Splunk HTTP Event Collector: stream audit events and findings into an index.

POST /services/collector/event with `Authorization: Splunk <token>`; the body is one or
more JSON event objects one after another ({"time", "host", "source", "sourcetype",
"index", "event"}). Success {"text": "Success", "code": 0}; errors {"text", "code"}
(4 invalid token → 403, 5 no data → 400, 9 server busy → 503).
"""

import json

from common.dates import parse_iso_datetime

from ..choices import Capability, IntegrationType
from ..registry import register
from .base import CredentialField, Provider, RemoteError
from .client import BaseClient

EVENT_PATH = "services/collector/event"
HEC_NO_DATA = 5


class SplunkClient(BaseClient):
    label = "Splunk HEC"
    base_url_key = "hec_url"

    def auth_headers(self):
        return {"Authorization": f"Splunk {self.credentials.get('hec_token', '')}"}

    def error_message(self, body, response):
        return f"{body.get('text', '')} (code {body.get('code')})"


@register
class SplunkProvider(Provider):
    slug = "splunk"
    name = "Splunk (HTTP Event Collector)"
    integration_type = IntegrationType.SIEM
    description = "Send audit events and findings to Splunk through the HTTP Event Collector."
    capabilities = (Capability.TEST_CONNECTION, Capability.PUSH_AUDIT_EVENTS, Capability.PUSH_FINDINGS)
    default_sync_minutes = 5
    url_fields = ("hec_url",)
    finding_delivery = "event"
    client_class = SplunkClient
    credential_fields = (CredentialField("hec_token", "HEC token"),)
    config_schema = {
        "type": "object",
        "required": ["hec_url"],
        "properties": {
            "hec_url": {"type": "string", "maxLength": 500, "description": "https://splunk.example.com:8088"},
            "index": {"type": "string", "pattern": "^[a-z0-9_\\-]{1,80}$"},
            "source": {"type": "string", "maxLength": 200},
            "sourcetype": {"type": "string", "maxLength": 200},
            "host": {"type": "string", "maxLength": 200},
        },
    }

    def test_connection(self, client):
        # An empty post authenticates the token without indexing anything: a valid
        # token gets {"code": 5, "text": "No data"}, an invalid one a 403.
        response = client.request("POST", EVENT_PATH, ok=(200, 400), data=b"")
        body = client.json(response)
        if response.status_code == 400 and body.get("code") != HEC_NO_DATA:
            raise RemoteError(f"Splunk HEC answered: {client.error_detail(response)}")
        return "Connected to Splunk HEC; the token is accepted."

    def _envelope(self, client, event, when):
        cfg = client.config
        envelope = {
            "time": when,
            "source": cfg.get("source", "compliance-platform"),
            "sourcetype": cfg.get("sourcetype", f"compliance:{event['type']}"),
            "event": event,
        }
        if cfg.get("index"):
            envelope["index"] = cfg["index"]
        if cfg.get("host"):
            envelope["host"] = cfg["host"]
        return envelope

    def send_events(self, client, events):
        lines = []
        for event in events:
            stamp = event.get("timestamp") or event.get("resolved_at") or event.get("opened_at")
            parsed = parse_iso_datetime(stamp)
            when = parsed.timestamp() if parsed else None
            lines.append(json.dumps(self._envelope(client, event, when), separators=(",", ":")))
        payload = "\n".join(lines).encode()
        body = client.json(
            client.request("POST", EVENT_PATH, data=payload, headers={"Content-Type": "application/json"})
        )
        if body.get("code") not in (0, None):
            raise RemoteError(f"Splunk HEC answered: {body.get('text', '')} (code {body.get('code')})")
