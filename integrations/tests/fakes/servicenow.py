"""ServiceNow Table API and OAuth token endpoint."""

from urllib.parse import urlencode

from .server import FakeVendor, Reply, basic_auth, bearer

UNAUTHENTICATED = {
    "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
    "status": "failure",
}


class FakeServiceNow(FakeVendor):
    def __init__(
        self,
        *,
        username="svc",
        password="pw",
        records=(),
        table="sn_compliance_policy_statement",
        client_id="cid",
        client_secret="csecret",
    ):
        super().__init__()
        self.username, self.password = username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.records = list(records)
        self.table = table
        self.incidents = []
        self.tokens = set()

    def _authorized(self, request):
        token = bearer(request)
        if token is not None:
            return token in self.tokens
        return basic_auth(request) == (self.username, self.password)

    def route(self, request):
        if request.method == "POST" and request.path == "/oauth_token.do":
            form = request.form()
            if (
                form.get("grant_type"),
                form.get("client_id"),
                form.get("client_secret"),
                form.get("username"),
                form.get("password"),
            ) != ("password", self.client_id, self.client_secret, self.username, self.password):
                return Reply(401, {"error_description": "access_denied", "error": "server_error"})
            token = f"sn-token-{len(self.tokens) + 1}"
            self.tokens.add(token)
            return Reply(
                200,
                {
                    "access_token": token,
                    "refresh_token": "r",
                    "scope": "useraccount",
                    "token_type": "Bearer",
                    "expires_in": 1799,
                },
            )
        if not self._authorized(request):
            return Reply(401, UNAUTHENTICATED)
        if request.method == "GET" and request.path == f"/api/now/table/{self.table}":
            limit = int(request.query.get("sysparm_limit", ["10000"])[0])
            offset = int(request.query.get("sysparm_offset", ["0"])[0])
            fields = request.query.get("sysparm_fields", [""])[0]
            page = self.records[offset : offset + limit]
            if fields:
                wanted = fields.split(",")
                page = [{k: v for k, v in record.items() if k in wanted} for record in page]
            headers = {"X-Total-Count": str(len(self.records))}
            if offset + limit < len(self.records):
                query = {k: v[0] for k, v in request.query.items()}
                query["sysparm_offset"] = offset + limit
                headers["Link"] = f'<{self.url}{request.path}?{urlencode(query)}>;rel="next"'
            return Reply(200, {"result": page}, headers)
        if request.method == "GET" and request.path.startswith("/api/now/table/"):
            return Reply(400, {"error": {"message": "Invalid table", "detail": None}, "status": "failure"})
        if request.method == "POST" and request.path == "/api/now/table/incident":
            body = request.json()
            number = f"INC{10001 + len(self.incidents):07d}"
            incident = {**body, "sys_id": f"{len(self.incidents) + 1:032x}", "number": number, "state": "1"}
            self.incidents.append(incident)
            return Reply(
                201, {"result": incident}, {"Location": f"{self.url}/api/now/table/incident/{incident['sys_id']}"}
            )
        return Reply(
            404,
            {
                "error": {"message": "Requested URI does not represent any resource", "detail": None},
                "status": "failure",
            },
        )
