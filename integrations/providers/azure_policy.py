"""Azure Policy Insights: latest policy states of a subscription, following @odata.nextLink.

Token: POST {authority}/{tenant}/oauth2/v2.0/token (client credentials, scope
{management}/.default) → {"access_token", "expires_in", "token_type": "Bearer"}.
Query: POST {management}/subscriptions/{id}/providers/Microsoft.PolicyInsights/
policyStates/latest/queryResults?api-version=2019-10-01 → {"value": [...],
"@odata.nextLink"}. Errors: {"error": {"code", "message"}} (AAD: {"error", "error_description"}).
"""

from ..choices import Capability, IntegrationType
from ..registry import register
from .base import CredentialField, Provider, RemoteError, RemoteResult, parse_remote_time
from .client import TokenClient

API_VERSION = "2019-10-01"
STATUS_MAP = {
    "compliant": "passed",
    "noncompliant": "failed",
    "exempt": "not_applicable",
    "unknown": "error",
    "conflict": "error",
}
RULE_KEY_FIELDS = (
    "policyDefinitionName",
    "policyAssignmentName",
    "policyDefinitionReferenceId",
    "policySetDefinitionName",
)


class AzureClient(TokenClient):
    label = "Azure"
    base_url_key = "management_url"

    def fetch_token(self):
        authority = self.config.get("authority_url", "https://login.microsoftonline.com").rstrip("/")
        scope = self.config.get("token_scope") or self.base_url.rstrip("/") + "/.default"
        response = self.request(
            "POST",
            f"{authority}/{self.config['tenant_id']}/oauth2/v2.0/token",
            auth=False,
            data={
                "grant_type": "client_credentials",
                "client_id": self.credentials.get("client_id", ""),
                "client_secret": self.credentials.get("client_secret", ""),
                "scope": scope,
            },
        )
        return self.access_token(response, "Azure AD")


@register
class AzurePolicyProvider(Provider):
    slug = "azure_policy"
    name = "Azure Policy"
    integration_type = IntegrationType.SECURITY_SCANNER
    description = "Pull the latest Azure Policy compliance states of a subscription as evaluations."
    capabilities = (Capability.TEST_CONNECTION, Capability.PULL_EVALUATIONS)
    default_sync_minutes = 60
    url_fields = ("management_url", "authority_url")
    hint_field = "client_id"
    source_type = "cloud_account"
    client_class = AzureClient
    credential_fields = (
        CredentialField("client_id", "Application (client) id", secret=False),
        CredentialField("client_secret", "Client secret"),
    )
    config_schema = {
        "type": "object",
        "required": ["tenant_id", "subscription_id"],
        "properties": {
            "tenant_id": {"type": "string", "pattern": "^[0-9a-fA-F-]{36}$|^[a-z0-9.-]{3,100}$"},
            "subscription_id": {"type": "string", "pattern": "^[0-9a-fA-F-]{36}$"},
            "management_url": {"type": "string", "maxLength": 500},
            "authority_url": {"type": "string", "maxLength": 500},
            "token_scope": {"type": "string", "maxLength": 300},
            "filter": {"type": "string", "maxLength": 2000, "description": "OData $filter."},
            "rule_key_field": {"enum": list(RULE_KEY_FIELDS)},
        },
    }

    def client(self, *, config, credentials, **kwargs):
        config = {"management_url": "https://management.azure.com", **config}
        return super().client(config=config, credentials=credentials, **kwargs)

    def _query_path(self, client):
        return (
            f"subscriptions/{client.config['subscription_id']}/providers/Microsoft.PolicyInsights/"
            f"policyStates/latest/queryResults"
        )

    def test_connection(self, client):
        client.request("POST", self._query_path(client), params={"api-version": API_VERSION, "$top": 1})
        return f"Connected to Azure; policy states of subscription {client.config['subscription_id']} are readable."

    def fetch_pages(self, client, *, state):
        params = {"api-version": API_VERSION, "$top": client.config.get("page_size", 1000)}
        if client.config.get("filter"):
            params["$filter"] = client.config["filter"]
        rule_field = client.config.get("rule_key_field", "policyDefinitionName")
        url, kwargs = self._query_path(client), {"params": params}
        while url:
            body = client.json(client.request("POST", url, **kwargs))
            values = body.get("value")
            if not isinstance(values, list):
                raise RemoteError("Azure answered without a value list.")
            yield [self._result(item, rule_field) for item in values if isinstance(item, dict)]
            next_link = body.get("@odata.nextLink")
            url, kwargs = (client.same_origin(next_link), {}) if next_link else (None, {})

    def _result(self, item, rule_field):
        state = str(item.get("complianceState") or "")
        resource_id = str(item.get("resourceId") or "")
        stamp = str(item.get("timestamp") or "")
        return RemoteResult(
            remote_id="|".join(
                str(item.get(k) or "")
                for k in ("resourceId", "policyAssignmentId", "policyDefinitionId", "policyDefinitionReferenceId")
            ),
            remote_timestamp=stamp,
            resource_id=resource_id.lower(),
            resource_name=resource_id.rsplit("/", 1)[-1],
            rule_key=str(item.get(rule_field) or ""),
            status=STATUS_MAP.get(state.lower()),
            raw_status=state,
            evaluated_at=parse_remote_time(stamp),
            details={
                "policy_assignment": item.get("policyAssignmentName"),
                "policy_definition": item.get("policyDefinitionName"),
                "policy_definition_action": item.get("policyDefinitionAction"),
                "resource_type": item.get("resourceType"),
                "resource_location": item.get("resourceLocation"),
            },
        )
