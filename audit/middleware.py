"""Request id and audit context for every request."""

import hashlib
import re

from django.conf import settings

from .context import audit_context, new_request_id

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def client_ip(request):
    """REMOTE_ADDR, or the last untrusted hop of X-Forwarded-For when the peer is a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", []))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded and remote in trusted:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                return hop
    return remote


class RequestIdMiddleware:
    """Echo a sane X-Request-ID or mint one; expose it as request.request_id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID_OK.match(incoming) else new_request_id()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class AuditContextMiddleware:
    """Put actor (lazily), IP, user agent, session hash and request id into the context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
        path = request.path_info
        source = "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"
        with audit_context(
            request_id=getattr(request, "request_id", "") or new_request_id(),
            source=source,
            # DRF replaces request.user on the Django request after token auth.
            actor_resolver=lambda: getattr(request, "user", None),
            actor_label="",
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            session_hash=hashlib.sha256(session_key.encode()).hexdigest() if session_key else "",
        ):
            return self.get_response(request)
