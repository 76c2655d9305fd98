"""Azure AD client-credentials token and Policy Insights policyStates/latest/queryResults."""

import json
import os
from datetime import UTC, datetime, timedelta

from .server import FakeVendor, Reply, bearer

SHARED_EXAMPLE = os.path.join(
    os.path.dirname(__file__),
    "..",
    "..",
    "..",
    "..",
    "shared",
    "data",
    "vendor-api",
    "azure-policy-states-query-subscription.json",
)
FIXTURE = os.path.join(os.path.dirname(__file__), "azure_policy_states.json")


def example_states():
    """Policy states from the Azure REST spec example when present, else our own fixture."""
    for path in (SHARED_EXAMPLE, FIXTURE):
        if os.path.exists(path):
            with open(path) as handle:
                body = json.load(handle)
            return body["responses"]["200"]["body"]["value"] if "responses" in body else body["value"]
    raise FileNotFoundError(FIXTURE)


def make_state(index, *, subscription, compliant, policy="audit-storage-https", at=None):
    at = at or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=index)
    resource = (
        f"/subscriptions/{subscription}/resourceGroups/rg{index % 7}"
        f"/providers/Microsoft.Storage/storageAccounts/sa{index}"
    )
    return {
        "@odata.id": None,
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resourceId": resource,
        "policyAssignmentId": (
            f"/subscriptions/{subscription}/providers/Microsoft.Authorization/policyAssignments/{policy}"
        ),
        "policyDefinitionId": f"/providers/Microsoft.Authorization/policyDefinitions/{policy}",
        "isCompliant": compliant,
        "subscriptionId": subscription,
        "resourceType": "/Microsoft.Storage/storageAccounts",
        "resourceLocation": "westeurope",
        "resourceGroup": f"rg{index % 7}",
        "policyAssignmentName": policy,
        "policyDefinitionName": policy,
        "policyDefinitionAction": "audit",
        "policyDefinitionReferenceId": None,
        "complianceState": "Compliant" if compliant else "NonCompliant",
    }


class FakeAzure(FakeVendor):
    def __init__(
        self,
        *,
        tenant="contoso.onmicrosoft.com",
        subscription="fffedd8f-ffff-fffd-fffd-fffed2f84852",
        client_id="app-id",
        client_secret="app-secret",
        states=(),
        page_size=2,
    ):
        super().__init__()
        self.tenant, self.subscription = tenant, subscription
        self.client_id, self.client_secret = client_id, client_secret
        self.states = list(states)
        self.page_size = page_size
        self.tokens = set()

    def route(self, request):
        if request.method == "POST" and request.path == f"/{self.tenant}/oauth2/v2.0/token":
            form = request.form()
            if form.get("grant_type") != "client_credentials" or not form.get("scope", "").endswith("/.default"):
                return Reply(400, {"error": "invalid_request", "error_description": "AADSTS900144: bad request"})
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
                return Reply(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided.",
                        "error_codes": [7000215],
                    },
                )
            token = f"aad-{len(self.tokens) + 1}"
            self.tokens.add(token)
            return Reply(
                200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
            )
        query_path = (
            f"/subscriptions/{self.subscription}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults"
        )
        if request.method == "POST" and request.path == query_path:
            if bearer(request) not in self.tokens:
                return Reply(
                    401, {"error": {"code": "InvalidAuthenticationToken", "message": "The access token is invalid."}}
                )
            if request.query.get("api-version") != ["2019-10-01"]:
                return Reply(
                    400, {"error": {"code": "InvalidApiVersionParameter", "message": "The api-version is invalid."}}
                )
            top = int(request.query.get("$top", [str(self.page_size)])[0])
            size = min(top, self.page_size)
            skip = int(request.query.get("$skiptoken", ["0"])[0])
            body = {
                "@odata.context": f"{self.url}{query_path}/$metadata#latest",
                "@odata.count": len(self.states[skip : skip + size]),
                "value": self.states[skip : skip + size],
            }
            if skip + size < len(self.states):
                body["@odata.nextLink"] = (
                    f"{self.url}{query_path}?api-version=2019-10-01&$top={top}&$skiptoken={skip + size}"
                )
            return Reply(200, body)
        return Reply(404, {"error": {"code": "ResourceNotFound", "message": "Not found."}})
