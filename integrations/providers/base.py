"""What every provider is made of: a client (talks to the vendor; see client.py), a mapper
(turns the vendor's records into RemoteResults and our findings/events into vendor
payloads) and a declaration (name, type, config schema, credential fields, capabilities)
for the catalog.

Services and tasks only call the methods declared here; they never ask which provider
they hold.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import jsonschema

from common.dates import parse_iso_datetime
from common.http import DestinationRefused, check_url


# --- errors: their messages are shown to people, so they never carry a secret ---------
class ProviderError(Exception):
    """A sync or test failed for a reason a person can act on."""

    retryable = False


class ConfigurationError(ProviderError):
    """The integration's config or credentials cannot work (bad URL, refused destination)."""


class AuthenticationFailed(ProviderError):
    """401/403: the vendor refused the credentials. Never retried."""


class TransientError(ProviderError):
    """Timeouts, connection errors, 5xx, 429: retried with backoff, then reported."""

    retryable = True


class RemoteError(ProviderError):
    """Any other answer the vendor gave that we cannot use (4xx, malformed body)."""


# --- the shapes passed between providers and services ---------------------------------
@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    required: bool = True
    secret: bool = True
    help_text: str = ""

    def as_dict(self):
        return {
            "name": self.name,
            "label": self.label,
            "required": self.required,
            "secret": self.secret,
            "help_text": self.help_text,
        }


@dataclass
class RemoteResult:
    """One remote compliance result, before mapping onto our rules and data sources."""

    remote_id: str
    remote_timestamp: str
    resource_id: str
    rule_key: str
    status: str | None  # an EvaluationStatus value; None when the remote state is unknown
    evaluated_at: datetime | None
    resource_name: str = ""
    raw_status: str = ""
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TicketRef:
    remote_id: str
    remote_key: str = ""
    remote_url: str = ""
    remote_status: str = ""


@dataclass(frozen=True)
class TicketState:
    status: str
    done: bool


# Config every provider accepts, merged into each provider's own schema.
COMMON_CONFIG_PROPERTIES = {
    "rule_mapping": {
        "type": "object",
        "description": "Remote rule/policy/category key → ComplianceRule id.",
        "additionalProperties": {"type": "integer", "minimum": 1},
        "maxProperties": 5000,
    },
    "min_severity": {
        "type": "string",
        "enum": ["low", "medium", "high", "critical"],
        "description": "Push only findings at or above this severity.",
    },
    "page_size": {"type": "integer", "minimum": 1, "maximum": 1000},
    "push_findings": {"type": "boolean", "description": "Push findings where the provider can (default true)."},
}


class Provider:
    """A connector's declaration plus its behaviour; one subclass per vendor."""

    slug = ""
    name = ""
    integration_type = ""
    description = ""
    capabilities = ()
    default_sync_minutes = 60
    config_schema = {"type": "object", "properties": {}}
    credential_fields = ()
    url_fields = ()  # config keys holding URLs: checked for scheme and address on save
    hint_field = None  # a non-secret credential (user name, key id) shown masked as a hint
    source_type = "other"  # DataSource.source_type for resources found by this provider
    finding_delivery = None  # "ticket" (one per finding) or "event" (a stream)
    client_class = None  # each provider names its client.BaseClient subclass (client.py imports this module)

    # -- declaration ---------------------------------------------------------------------
    def full_config_schema(self):
        schema = dict(self.config_schema)
        schema["properties"] = {**COMMON_CONFIG_PROPERTIES, **self.config_schema.get("properties", {})}
        schema.setdefault("additionalProperties", False)
        return schema

    def catalog_entry(self):
        return {
            "provider": self.slug,
            "name": self.name,
            "integration_type": self.integration_type,
            "description": self.description,
            "config_schema": self.full_config_schema(),
            "credential_fields": [f.as_dict() for f in self.credential_fields],
            "capabilities": list(self.capabilities),
            "default_sync_frequency_minutes": self.default_sync_minutes,
        }

    def validate_config(self, config):
        """Return {field: [messages]}; empty when the config is acceptable."""
        if not isinstance(config, dict):
            return {"config": ["Must be a JSON object."]}
        validator = jsonschema.Draft202012Validator(self.full_config_schema())
        errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
        messages = [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"[:300] for e in errors[:20]]
        for key in self.url_fields:
            if key in config and isinstance(config[key], str):
                try:
                    check_url(config[key])
                except DestinationRefused as exc:
                    messages.append(f"{key}: {exc}")
        return {"config": messages} if messages else {}

    def validate_credentials(self, credentials, config):
        """Return {field: [messages]}; never echo a value."""
        if not isinstance(credentials, dict):
            return {"credentials": ["Must be a JSON object."]}
        known = {f.name: f for f in self.credential_fields}
        messages = []
        unknown = sorted(set(credentials) - set(known))
        if unknown:
            messages.append(f"Unknown credential field(s): {', '.join(unknown)[:200]}.")
        for name, value in credentials.items():
            if name in known and (not isinstance(value, str) or len(value) > 20000):
                messages.append(f"{name}: must be a string of at most 20000 characters.")
        for name in self.required_credentials(config):
            if not credentials.get(name):
                messages.append(f"{name}: this credential is required.")
        return {"credentials": messages} if messages else {}

    def required_credentials(self, config):
        return [f.name for f in self.credential_fields if f.required]

    def credentials_hint(self, credentials):
        if not credentials:
            return ""
        visible = credentials.get(self.hint_field, "") if self.hint_field else ""
        tail = visible[-4:] if isinstance(visible, str) and len(visible) >= 8 else ""
        return f"••••{tail}"

    # -- behaviour -----------------------------------------------------------------------
    def client(self, *, config, credentials, timeout=None, max_attempts=None, sleep=None):
        return self.client_class(
            config=config, credentials=credentials, timeout=timeout, max_attempts=max_attempts, sleep=sleep
        )

    def test_connection(self, client):
        """Make one cheap authenticated call; return a short success message."""
        raise NotImplementedError

    def fetch_pages(self, client, *, state):
        """Yield lists of RemoteResult, one list per remote page (PULL_EVALUATIONS)."""
        raise NotImplementedError

    def create_ticket(self, client, finding):
        """Open a ticket for a finding; return a TicketRef (finding_delivery == "ticket")."""
        raise NotImplementedError

    def ticket_states(self, client, tickets):
        """{remote_id: TicketState} for the given FindingTickets (PULL_TICKET_STATUS)."""
        raise NotImplementedError

    def send_events(self, client, events):
        """Deliver a batch of event dicts (finding_delivery == "event", PUSH_AUDIT_EVENTS)."""
        raise NotImplementedError

    def finding_event(self, finding):
        return {
            "type": "finding",
            "id": finding.pk,
            "title": finding.title,
            "status": finding.status,
            "severity": finding.severity,
            "rule": finding.rule.name,
            "framework": finding.rule.framework.code,
            "data_source": finding.data_source.name,
            "opened_at": finding.opened_at.isoformat(),
            "resolved_at": finding.resolved_at.isoformat() if finding.resolved_at else None,
        }

    def audit_event(self, entry):
        return {
            "type": "audit",
            "id": entry.pk,
            "timestamp": entry.timestamp.isoformat(),
            "action": entry.action,
            "actor": entry.actor_username,
            "object": entry.object_repr,
            "object_id": entry.object_id,
            "impact_level": entry.impact_level,
            "request_id": entry.request_id,
            "source": entry.source,
            "ip_address": entry.ip_address,
            "message": entry.message[:2000],
        }


def finding_summary(finding):
    """Ticket title: short, and the same for every ticketing provider."""
    return f"[{finding.severity.upper()}] {finding.title}"[:250]


def finding_description_lines(finding):
    rule = finding.rule
    return [
        f"Rule: {rule.name} ({rule.framework.code})",
        f"Data source: {finding.data_source.name}",
        f"Severity: {finding.severity}",
        f"Open since: {finding.opened_at.isoformat()}",
        f"Remediation: {rule.remediation or 'see the rule in the compliance platform'}",
    ]


def parse_remote_time(value):
    """A vendor timestamp (ISO 8601, or ServiceNow's 'YYYY-MM-DD HH:MM:SS' in UTC) → aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    parsed = parse_iso_datetime(value.replace(" ", "T", 1) if "T" not in value else value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
