"""Google Cloud Security Command Center: an organisation's findings as evaluations.

Auth: a service-account JWT (RS256, signed with the key file's private key) exchanged at
the token endpoint (grant urn:ietf:params:oauth:grant-type:jwt-bearer) for an access token.
Pull: GET v1/organizations/{org}/sources/-/findings?pageSize=&pageToken=&filter= →
{"listFindingsResults": [{"finding": {...}, "resource": {...}}], "nextPageToken",
"readTime", "totalSize"}; finding fields are finding.proto's, in camelCase. ACTIVE → failed,
INACTIVE → passed. Errors: {"error": {"code", "message", "status"}}.
"""

import base64
import json
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from ..choices import Capability, IntegrationType
from ..registry import register
from .base import (
    AuthenticationFailed,
    ConfigurationError,
    CredentialField,
    Provider,
    RemoteError,
    RemoteResult,
    parse_remote_time,
)
from .client import TokenClient

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
STATUS_MAP = {"ACTIVE": "failed", "INACTIVE": "passed"}


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def service_account(credentials):
    """The parsed key file; ConfigurationError without echoing any of it."""
    try:
        info = json.loads(credentials.get("service_account_json", ""))
        email, key = info["client_email"], info["private_key"]
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(
            "service_account_json must be a service-account key file (JSON with client_email and private_key)."
        ) from None
    return info, email, key


def signed_jwt(*, email, private_key_pem, key_id, audience, now=None):
    """An RS256 JWT asserting the service account, for the OAuth token exchange."""
    now = int(now or time.time())
    header = {"alg": "RS256", "typ": "JWT", **({"kid": key_id} if key_id else {})}
    claims = {"iss": email, "scope": SCOPE, "aud": audience, "iat": now, "exp": now + 3600}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError):
        raise ConfigurationError("The service account's private_key is not a usable RSA PEM key.") from None
    return f"{signing_input}.{_b64(signature)}"


class GcpClient(TokenClient):
    label = "Google Cloud"
    base_url_key = "api_url"

    def fetch_token(self):
        info, email, key = service_account(self.credentials)
        token_url = self.config.get("token_url", "https://oauth2.googleapis.com/token")
        assertion = signed_jwt(email=email, private_key_pem=key, key_id=info.get("private_key_id"), audience=token_url)
        try:
            response = self.request(
                "POST", token_url, auth=False, data={"grant_type": JWT_GRANT, "assertion": assertion}
            )
        except RemoteError as exc:
            # The token endpoint answers 400 invalid_grant for a bad key or account.
            raise AuthenticationFailed(f"Google refused the service account: {exc}") from None
        return self.access_token(response, "Google's token endpoint")


@register
class GcpSccProvider(Provider):
    slug = "gcp_scc"
    name = "Google Cloud Security Command Center"
    integration_type = IntegrationType.SECURITY_SCANNER
    description = "Pull Security Command Center findings of an organisation as evaluations."
    capabilities = (Capability.TEST_CONNECTION, Capability.PULL_EVALUATIONS)
    default_sync_minutes = 60
    url_fields = ("api_url", "token_url")
    source_type = "cloud_account"
    client_class = GcpClient
    credential_fields = (CredentialField("service_account_json", "Service account key (JSON)"),)
    config_schema = {
        "type": "object",
        "required": ["organization_id"],
        "properties": {
            "organization_id": {"type": "string", "pattern": "^[0-9]{1,30}$"},
            "api_url": {"type": "string", "maxLength": 500},
            "token_url": {"type": "string", "maxLength": 500},
            "filter": {"type": "string", "maxLength": 2000},
        },
    }

    def validate_credentials(self, credentials, config):
        errors = super().validate_credentials(credentials, config)
        if not errors and isinstance(credentials, dict) and credentials.get("service_account_json"):
            try:
                service_account(credentials)
            except ConfigurationError as exc:
                errors = {"credentials": [str(exc)]}
        return errors

    def credentials_hint(self, credentials):
        try:
            _, email, _ = service_account(credentials)
        except ConfigurationError:
            return super().credentials_hint(credentials)
        return f"••••@{email.split('@', 1)[-1]}"[:64]

    def client(self, *, config, credentials, **kwargs):
        config = {"api_url": "https://securitycenter.googleapis.com", **config}
        return super().client(config=config, credentials=credentials, **kwargs)

    def _path(self, client):
        return f"v1/organizations/{client.config['organization_id']}/sources/-/findings"

    def test_connection(self, client):
        client.request("GET", self._path(client), params={"pageSize": 1})
        return f"Connected to Security Command Center of organization {client.config['organization_id']}."

    def fetch_pages(self, client, *, state):
        params = {"pageSize": client.config.get("page_size", 1000)}
        if client.config.get("filter"):
            params["filter"] = client.config["filter"]
        token = None
        while True:
            page_params = {**params, **({"pageToken": token} if token else {})}
            body = client.json(client.request("GET", self._path(client), params=page_params))
            results = body.get("listFindingsResults") or []
            yield [self._result(item.get("finding") or {}) for item in results if isinstance(item, dict)]
            token = body.get("nextPageToken")
            if not token:
                return

    def _result(self, finding):
        state = str(finding.get("state") or "")
        stamp = str(finding.get("eventTime") or finding.get("createTime") or "")
        resource = str(finding.get("resourceName") or "")
        return RemoteResult(
            remote_id=str(finding.get("name") or ""),
            remote_timestamp=stamp,
            resource_id=resource,
            resource_name=resource.rsplit("/", 1)[-1],
            rule_key=str(finding.get("category") or ""),
            status=STATUS_MAP.get(state),
            raw_status=state,
            evaluated_at=parse_remote_time(stamp),
            details={
                "severity": finding.get("severity"),
                "finding_class": finding.get("findingClass"),
                "external_uri": finding.get("externalUri"),
                "mute": finding.get("mute"),
            },
        )
