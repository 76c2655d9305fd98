"""Google OAuth token endpoint (JWT bearer grant) and Security Command Center findings."""

import base64
import json
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .server import FakeVendor, Reply, bearer


def new_service_account(email="scanner@proj.iam.gserviceaccount.com"):
    """(service_account_json, public_key): a real RSA key pair in Google's key-file shape."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "proj",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": email,
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    return json.dumps(info), key.public_key()


def _unb64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def make_finding(index, *, org="123456", active=True, category="PUBLIC_BUCKET_ACL", event_time=None):
    return {
        "finding": {
            "name": f"organizations/{org}/sources/42/findings/f{index:06d}",
            "parent": f"organizations/{org}/sources/42",
            "resourceName": f"//storage.googleapis.com/bucket-{index}",
            "state": "ACTIVE" if active else "INACTIVE",
            "category": category,
            "externalUri": f"https://console.cloud.google.com/f{index}",
            "securityMarks": {"name": f"organizations/{org}/sources/42/findings/f{index:06d}/securityMarks"},
            "eventTime": event_time or f"2026-01-01T00:{index // 60 % 60:02d}:{index % 60:02d}.000Z",
            "createTime": "2026-01-01T00:00:00Z",
            "severity": "HIGH",
            "mute": "UNMUTED",
            "findingClass": "MISCONFIGURATION",
            "canonicalName": f"organizations/{org}/sources/42/findings/f{index:06d}",
        },
        "resource": {"name": f"//storage.googleapis.com/bucket-{index}", "type": "google.cloud.storage.Bucket"},
    }


class FakeGcp(FakeVendor):
    def __init__(
        self, *, public_key, email="scanner@proj.iam.gserviceaccount.com", org="123456", findings=(), page_size=2
    ):
        super().__init__()
        self.public_key, self.email, self.org = public_key, email, org
        self.findings = list(findings)
        self.page_size = page_size
        self.tokens = set()

    def _check_jwt(self, assertion):
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header, claims = json.loads(_unb64(header_b64)), json.loads(_unb64(claims_b64))
            self.public_key.verify(
                _unb64(signature_b64), f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (ValueError, InvalidSignature):
            return "Invalid JWT Signature."
        if header.get("alg") != "RS256":
            return "Invalid JWT: unsupported alg."
        if claims.get("iss") != self.email:
            return "Invalid JWT: unknown issuer."
        if claims.get("aud") != f"{self.url}/token":
            return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
        if "cloud-platform" not in claims.get("scope", "") or not claims["iat"] <= time.time() + 5 < claims["exp"]:
            return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
        return None

    def route(self, request):
        if request.method == "POST" and request.path == "/token":
            form = request.form()
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                return Reply(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type."})
            problem = self._check_jwt(form.get("assertion", ""))
            if problem:
                return Reply(400, {"error": "invalid_grant", "error_description": problem})
            token = f"ya29.fake-{len(self.tokens) + 1}"
            self.tokens.add(token)
            return Reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        if request.path == f"/v1/organizations/{self.org}/sources/-/findings" and request.method == "GET":
            if bearer(request) not in self.tokens:
                return Reply(
                    401,
                    {
                        "error": {
                            "code": 401,
                            "message": "Request had invalid authentication credentials.",
                            "status": "UNAUTHENTICATED",
                        }
                    },
                )
            size = min(int(request.query.get("pageSize", ["10"])[0]), self.page_size)
            start = int(request.query.get("pageToken", ["0"])[0] or 0)
            page = self.findings[start : start + size]
            body = {"listFindingsResults": page, "readTime": "2026-01-02T00:00:00Z", "totalSize": len(self.findings)}
            if start + size < len(self.findings):
                body["nextPageToken"] = str(start + size)
            return Reply(200, body)
        return Reply(404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}})
