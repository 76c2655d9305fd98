"""/auth/oidc/login/ and /auth/oidc/callback/: the two ends of an OpenID Connect sign-in."""

import logging

from authlib.common.errors import AuthlibBaseError
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from joserfc.errors import JoseError
from requests import RequestException

from audit.services import record_event

from . import oidc

logger = logging.getLogger(__name__)
NEXT_KEY = "oidc_next"
BACKEND = "compliance_site.lockout.LockoutModelBackend"


def _next_url(request, candidate):
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return reverse("dashboard:overview")


@require_GET
def oidc_login(request):
    """Send the browser to the provider (state, nonce and the PKCE challenge kept in the session)."""
    if not oidc.configured():
        raise Http404("Single sign-on is not configured.")
    request.session[NEXT_KEY] = _next_url(request, request.GET.get("next"))
    return oidc.client().authorize_redirect(request, request.build_absolute_uri(reverse("oidc-callback")))


@require_GET
def oidc_callback(request):
    """Exchange the code, verify the ID token (signature, issuer, audience, expiry, nonce), sign in."""
    if not oidc.configured():
        raise Http404("Single sign-on is not configured.")
    try:
        token = oidc.client().authorize_access_token(request, claims_options=oidc.claims_options())
        claims = token.get("userinfo")
        if not claims or "sub" not in claims:
            raise ValueError("the provider sent no ID token")
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as exc:
        reason = getattr(exc, "description", None) or str(exc) or type(exc).__name__
        logger.warning("OIDC sign-in refused: %s", reason)
        record_event(
            action="login_failed",
            actor=None,
            changes={"method": [None, "oidc"]},
            message=f"Single sign-on refused: {reason}"[:2000],
        )
        return render(request, "dashboard/sso_failed.html", {"reason": reason}, status=400)
    user = oidc.sign_in(claims=claims)
    if not user.is_active:
        return render(request, "dashboard/sso_failed.html", {"reason": "this account is disabled"}, status=403)
    login(request, user, backend=BACKEND)  # user_logged_in: audited as a sign-in
    return redirect(_next_url(request, request.session.pop(NEXT_KEY, None)))
