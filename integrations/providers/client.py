"""The HTTP side of a provider: a vendor REST client on SafeSession with retries, backoff,
readable errors and credential scrubbing. A provider subclasses BaseClient (or TokenClient
for OAuth bearer tokens) and names it as its Provider.client_class.
"""

import base64
import random
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from common.http import DestinationRefused, SafeSession

from .base import AuthenticationFailed, ConfigurationError, RemoteError, TransientError


def basic_authorization(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def jittered_backoff(attempt, retry_after=None):
    """Seconds to wait before attempt+1: exponential, with ±50 % jitter, at least Retry-After."""
    base = settings.INTEGRATIONS_BACKOFF_SECONDS * (2 ** (attempt - 1))
    delay = min(settings.INTEGRATIONS_MAX_BACKOFF_SECONDS, base) * random.uniform(0.5, 1.5)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def parse_retry_after(value):
    """Retry-After in seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class BaseClient:
    """A vendor REST client on SafeSession with retries, backoff and readable errors."""

    label = "Remote service"
    base_url_key = "base_url"

    def __init__(self, *, config, credentials, timeout=None, max_attempts=None, sleep=None):
        self.config = config
        self.credentials = credentials
        self.session = SafeSession(timeout=timeout)
        self.max_attempts = max_attempts or settings.INTEGRATIONS_MAX_ATTEMPTS
        self.sleep = sleep or time.sleep
        self.requests_made = 0
        # A list while a sync step records what it read (integrations/snapshots.py); None otherwise.
        self.transcript = None
        self._secrets = sorted(
            (str(v) for v in credentials.values() if isinstance(v, str) and len(v) >= 4), key=len, reverse=True
        )

    # -- hooks ---------------------------------------------------------------------------
    @property
    def base_url(self):
        return self.config[self.base_url_key].rstrip("/") + "/"

    def auth_headers(self):
        return {}

    def error_message(self, body, response):
        """The message in the vendor's documented JSON error body (read by error_detail)."""
        return response.text

    # -- machinery -----------------------------------------------------------------------
    def scrub(self, text):
        """Remove any credential value from text that may reach a log, message or exception."""
        text = str(text)
        for secret in self._secrets:
            text = text.replace(secret, "••••")
        return text

    def error_detail(self, response):
        """The vendor's own error text; a body not in the vendor's documented shape is shown as it came."""
        try:
            return self.error_message(response.json(), response)[:300]
        except (ValueError, AttributeError):
            return response.text[:300]

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))

    def request(self, method, path, *, ok=(200,), auth=True, **kwargs):
        """Send one request; retry transient failures; raise a ProviderError otherwise."""
        url = self.url(path)
        host = urlsplit(url).hostname
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        error = None
        for attempt in range(1, self.max_attempts + 1):
            retry_after = None
            if auth:
                headers.update(self.auth_headers())
            try:
                self.requests_made += 1
                response = self.session.request(method, url, headers=headers, **kwargs)
            except DestinationRefused as exc:
                raise ConfigurationError(self.scrub(exc)) from None
            except requests.Timeout:
                error = TransientError(f"{self.label}: timed out talking to {host}.")
            except requests.ConnectionError:
                error = TransientError(f"{self.label}: could not connect to {host}.")
            else:
                code = response.status_code
                if code in ok:
                    if self.transcript is not None and auth:
                        self.transcript.append(
                            {
                                "method": method,
                                "url": self.scrub(url),
                                "params": self.scrub(kwargs.get("params") or ""),
                                "json": self.scrub(kwargs.get("json") or ""),
                                "status": code,
                                "body": self.scrub(response.text),
                            }
                        )
                    return response
                detail = self.scrub(self.error_detail(response))
                if code in (401, 403):
                    raise AuthenticationFailed(
                        f"{self.label} refused the credentials (HTTP {code}): {detail}. "
                        "Check the credentials and the account's permissions."
                    )
                if code == 429 or code >= 500:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    error = TransientError(f"{self.label} answered HTTP {code}: {detail}")
                    if retry_after is not None and retry_after > settings.INTEGRATIONS_MAX_BACKOFF_SECONDS:
                        raise TransientError(f"{error} (asked to retry after {int(retry_after)} s)")
                else:
                    raise RemoteError(f"{self.label} answered HTTP {code}: {detail}")
            if attempt < self.max_attempts:
                self.sleep(jittered_backoff(attempt, retry_after))
        raise error

    def json(self, response):
        try:
            return response.json()
        except ValueError:
            raise RemoteError(f"{self.label} answered with a body that is not JSON.") from None

    def same_origin(self, url):
        """Paging links come from the vendor; follow them only to the configured host."""
        link, base = urlsplit(url), urlsplit(self.base_url)
        if (link.scheme, link.hostname, link.port) != (base.scheme, base.hostname, base.port):
            raise RemoteError(f"{self.label} sent a paging link to another host ({link.hostname}); not followed.")
        return url


class TokenClient(BaseClient):
    """A client that trades its credentials for a bearer token once, on first use."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._token = None

    def fetch_token(self):
        raise NotImplementedError

    def bearer_headers(self):
        if self._token is None:
            self._token = self.fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def auth_headers(self):
        return self.bearer_headers()

    def access_token(self, response, issuer):
        token = self.json(response).get("access_token")
        if not token:
            raise RemoteError(f"{issuer} returned no access_token.")
        return token

    def error_message(self, body, response):
        """Cloud APIs answer {"error": {"code"|"status", "message"}}; OAuth endpoints
        answer {"error": "...", "error_description": "..."}."""
        error = body.get("error")
        if isinstance(error, dict):
            return f"{error.get('status') or error.get('code', '')}: {error.get('message', '')}"
        return f"{error}: {body.get('error_description', '')}"
