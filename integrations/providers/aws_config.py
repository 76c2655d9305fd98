"""AWS Config through boto3: rules and their per-resource compliance, paginated.

describe_config_rules (NextToken) → get_compliance_details_by_config_rule per rule
(NextToken, Limit ≤ 100). COMPLIANT → passed, NON_COMPLIANT → failed, NOT_APPLICABLE →
not_applicable, INSUFFICIENT_DATA → error. Tests use botocore's Stubber, which checks
every call and response against the real service model.
"""

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from django.conf import settings

from common.http import DestinationRefused, _vetted_addresses, check_url

from ..choices import Capability, IntegrationType
from ..registry import register
from .base import (
    AuthenticationFailed,
    ConfigurationError,
    CredentialField,
    Provider,
    RemoteError,
    RemoteResult,
    TransientError,
)

STATUS_MAP = {
    "COMPLIANT": "passed",
    "NON_COMPLIANT": "failed",
    "NOT_APPLICABLE": "not_applicable",
    "INSUFFICIENT_DATA": "error",
}
AUTH_ERROR_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredTokenException",
    "AuthFailure",
    "IncompleteSignature",
}
TRANSIENT_ERROR_CODES = {
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServerError",
}
MAX_RESULTS_PER_CALL = 100


class AwsConfigClient:
    """A boto3 `config` client plus the error translation our services expect."""

    label = "AWS Config"

    def __init__(self, *, config, credentials, timeout=None, max_attempts=None, sleep=None):
        self.config = config
        self.transcript = None  # as BaseClient's: the calls a sync step read, while it records
        endpoint = config.get("endpoint_url") or None
        if endpoint:
            try:
                parts = check_url(endpoint)
                # botocore opens its own sockets; vet the endpoint's addresses up front.
                _vetted_addresses(parts.hostname, parts.port or 443)
            except DestinationRefused as exc:
                raise ConfigurationError(str(exc)) from None
            except OSError:
                raise TransientError(f"AWS Config: cannot resolve {parts.hostname}.") from None
        connect, read = timeout or (settings.INTEGRATIONS_CONNECT_TIMEOUT, settings.INTEGRATIONS_READ_TIMEOUT)
        self.boto = boto3.session.Session().client(
            "config",
            region_name=config["region"],
            endpoint_url=endpoint,
            aws_access_key_id=credentials.get("access_key_id"),
            aws_secret_access_key=credentials.get("secret_access_key"),
            aws_session_token=credentials.get("session_token") or None,
            config=BotoConfig(
                connect_timeout=connect,
                read_timeout=read,
                retries={"mode": "standard", "total_max_attempts": max_attempts or settings.INTEGRATIONS_MAX_ATTEMPTS},
            ),
        )

    def call(self, operation, **params):
        try:
            response = getattr(self.boto, operation)(**params)
            if self.transcript is not None:
                body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
                self.transcript.append({"operation": operation, "params": params, "response": body})
            return response
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "")
            message = f"{code}: {error.get('Message', '')}"[:300]
            if code in AUTH_ERROR_CODES:
                raise AuthenticationFailed(f"AWS refused the credentials ({message}).") from None
            http_status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in TRANSIENT_ERROR_CODES or http_status >= 500:
                raise TransientError(f"AWS Config is unavailable ({message}).") from None
            raise RemoteError(f"AWS Config answered {message}") from None
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError):
            raise TransientError("AWS Config: could not connect or timed out.") from None
        except BotoCoreError as exc:
            raise RemoteError(f"AWS Config client error: {type(exc).__name__}.") from None


@register
class AwsConfigProvider(Provider):
    slug = "aws_config"
    name = "AWS Config"
    integration_type = IntegrationType.SECURITY_SCANNER
    description = "Pull AWS Config rule results per resource as evaluations."
    capabilities = (Capability.TEST_CONNECTION, Capability.PULL_EVALUATIONS)
    default_sync_minutes = 60
    url_fields = ("endpoint_url",)
    hint_field = "access_key_id"
    source_type = "cloud_account"
    client_class = AwsConfigClient
    credential_fields = (
        CredentialField("access_key_id", "Access key id", secret=False),
        CredentialField("secret_access_key", "Secret access key"),
        CredentialField("session_token", "Session token", required=False),
    )
    config_schema = {
        "type": "object",
        "required": ["region"],
        "properties": {
            "region": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-\\d$"},
            "endpoint_url": {"type": "string", "maxLength": 500},
            "rule_names": {"type": "array", "items": {"type": "string", "maxLength": 128}, "maxItems": 25},
            "compliance_types": {
                "type": "array",
                "items": {"enum": list(STATUS_MAP)},
                "uniqueItems": True,
            },
        },
    }

    def client(self, *, config, credentials, timeout=None, max_attempts=None, sleep=None):
        return self.client_class(config=config, credentials=credentials, timeout=timeout, max_attempts=max_attempts)

    def test_connection(self, client):
        body = client.call("describe_config_rules")
        count = len(body.get("ConfigRules", []))
        more = "+" if body.get("NextToken") else ""
        return f"Connected to AWS Config in {client.config['region']}; {count}{more} rule(s) visible."

    def _rule_names(self, client):
        names = client.config.get("rule_names")
        if names:
            return list(names)
        found, token = [], None
        while True:
            params = {"NextToken": token} if token else {}
            body = client.call("describe_config_rules", **params)
            found += [rule["ConfigRuleName"] for rule in body.get("ConfigRules", [])]
            token = body.get("NextToken")
            if not token:
                return found

    def fetch_pages(self, client, *, state):
        types = client.config.get("compliance_types") or list(STATUS_MAP)
        limit = min(client.config.get("page_size", MAX_RESULTS_PER_CALL), MAX_RESULTS_PER_CALL)
        for rule_name in self._rule_names(client):
            token = None
            while True:
                params = {"ConfigRuleName": rule_name, "ComplianceTypes": types, "Limit": limit}
                if token:
                    params["NextToken"] = token
                body = client.call("get_compliance_details_by_config_rule", **params)
                yield [self._result(item) for item in body.get("EvaluationResults", [])]
                token = body.get("NextToken")
                if not token:
                    break

    def _result(self, item):
        qualifier = item.get("EvaluationResultIdentifier", {}).get("EvaluationResultQualifier", {})
        recorded = item.get("ResultRecordedTime") or item.get("EvaluationResultIdentifier", {}).get("OrderingTimestamp")
        compliance = item.get("ComplianceType", "")
        resource_type = qualifier.get("ResourceType", "")
        resource_id = qualifier.get("ResourceId", "")
        rule_name = qualifier.get("ConfigRuleName", "")
        return RemoteResult(
            remote_id=f"{rule_name}|{resource_type}|{resource_id}",
            remote_timestamp=recorded.isoformat() if recorded else "",
            resource_id=f"{resource_type}/{resource_id}",
            resource_name=resource_id,
            rule_key=rule_name,
            status=STATUS_MAP.get(compliance),
            raw_status=compliance,
            evaluated_at=recorded,
            details={
                "resource_type": resource_type,
                "annotation": item.get("Annotation", "")[:1000],
                "compliance_type": compliance,
            },
        )
