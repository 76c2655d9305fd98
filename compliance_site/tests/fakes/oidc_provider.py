"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests: discovery, an
authorization endpoint that signs one configured user in at once, a token endpoint that
checks the client, the code, the redirect URI and the PKCE verifier, and a JWKS.

`tamper` makes it misbehave the ways a broken or hostile provider would: a wrong nonce, an
expired ID token, the wrong audience, a signature by a key it never published.
"""

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey

from integrations.tests.fakes.server import FakeVendor, Reply, basic_auth


class FakeOpenIDProvider(FakeVendor):
    def __init__(self, *, client_id="compliance-platform", client_secret="provider-secret"):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "signing-1", "use": "sig", "alg": "RS256"})
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "rogue-9", "use": "sig", "alg": "RS256"})
        self.user = {
            "sub": "idp-user-1",
            "preferred_username": "alice.sso",
            "email": "alice@corp.test",
            "given_name": "Alice",
            "family_name": "Sso",
            "groups": ["grc-managers"],
        }
        self.codes = {}
        self.tamper = set()  # "nonce", "expired", "audience", "unknown_key"

    def route(self, request):
        if request.method == "GET" and request.path == "/.well-known/openid-configuration":
            return Reply(200, self.metadata())
        if request.method == "GET" and request.path == "/authorize":
            return self.authorize({k: v[0] for k, v in request.query.items()})
        if request.method == "POST" and request.path == "/token":
            return self.token(request)
        if request.method == "GET" and request.path == "/jwks":
            return Reply(200, {"keys": [self.key.as_dict(private=False)]})
        return Reply(404, {"error": "not_found"})

    def metadata(self):
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def authorize(self, query):
        problems = [name for name in ("state", "nonce", "code_challenge", "redirect_uri") if not query.get(name)]
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            problems.append("client_id/response_type")
        if query.get("code_challenge_method") != "S256" or "openid" not in query.get("scope", "").split():
            problems.append("code_challenge_method/scope")
        if problems:
            return Reply(400, {"error": "invalid_request", "missing": problems})
        code = secrets.token_urlsafe(24)
        self.codes[code] = query
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return Reply(302, b"", headers={"Location": location})

    def token(self, request):
        form = request.form()
        client = basic_auth(request) or (form.get("client_id"), form.get("client_secret"))
        if client != (self.client_id, self.client_secret):
            return Reply(401, {"error": "invalid_client"})
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("grant_type") != "authorization_code":
            return Reply(400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return Reply(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"]:
            return Reply(400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"})
        return Reply(
            200,
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(nonce=grant["nonce"]),
            },
        )

    def id_token(self, *, nonce):
        now = int(time.time())
        claims = {**self.user, "iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": nonce}
        if "nonce" in self.tamper:
            claims["nonce"] = "not-the-nonce-you-sent"
        if "expired" in self.tamper:
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        if "audience" in self.tamper:
            claims["aud"] = "some-other-client"
        if "audience_with_azp" in self.tamper:  # issued to others, naming us as authorised party
            claims["aud"], claims["azp"] = ["some-other-client", "another-one"], self.client_id
        key = self.rogue_key if "unknown_key" in self.tamper else self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
