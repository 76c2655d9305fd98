"""Personal API tokens: issued, used, expired and revoked, each step audited.

Tokens are django-rest-knox tokens stored as SHA-512 digests (never the token itself), in
the site's ApiToken model (KNOX_TOKEN_MODEL). The authentication below is knox's, minus
its sweep of every other token of the user on each request (expired tokens are swept by a
beat task instead), plus the last-used time (written at most every few minutes) and the
audit entries.
"""

from datetime import timedelta
from hmac import compare_digest

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions, permissions

from audit.services import record_event
from common.replica import bookkeeping_writes

from .models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=5)  # a busy client costs one UPDATE per 5 minutes, not per request
MAX_NAME = 100


def _days(value, *, default):
    limit = settings.API_TOKEN_MAX_DAYS
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise ValidationError({"expires_in_days": [f"A whole number of days from 1 to {limit}."]})
    return value


@transaction.atomic
def issue_token(*, user, name, expires_in_days=None, read_only=False):
    """(ApiToken, the token text) — the text is shown once and stored nowhere."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise ValidationError({"name": [f"A name of 1 to {MAX_NAME} characters."]})
    if not isinstance(read_only, bool):
        raise ValidationError({"read_only": ["Must be true or false."]})
    days = _days(expires_in_days, default=settings.API_TOKEN_DEFAULT_DAYS)
    token, text = ApiToken.objects.create(
        user=user, expiry=timedelta(days=days), name=name.strip(), read_only=read_only
    )
    record_event(
        action="api_token_created",
        instance=token,
        actor=user,
        changes={"name": [None, token.name], "expires_at": [None, token.expiry], "read_only": [None, read_only]},
        message=f"API token {token.name!r} issued to {user.get_username()}, valid {days} days.",
    )
    return token, text


@transaction.atomic
def revoke_token(*, token, actor=None):
    record_event(
        action="api_token_revoked",
        instance=token,
        actor=actor if actor is not None else token.user,
        message=f"API token {token.name!r} of {token.user.get_username()} revoked.",
    )
    token.delete()


@transaction.atomic
def expire_token(*, token):
    record_event(
        action="api_token_expired",
        instance=token,
        actor=None,
        message=f"API token {token.name!r} of {token.user.get_username()} expired.",
    )
    token.delete()


def sweep_expired(*, now=None):
    """Delete the tokens past their expiry (a beat task); returns how many."""
    count = 0
    for token in ApiToken.objects.filter(expiry__lt=now or timezone.now()).select_related("user"):
        expire_token(token=token)
        count += 1
    return count


def note_use(token, *, now):
    """Record that `token` was used: its first use is audited, later ones only move last_used_at."""
    first = token.last_used_at is None
    if first or now - token.last_used_at >= LAST_USED_RESOLUTION:
        with bookkeeping_writes():  # a GET that moves last_used_at may still read from the replica
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        if first:
            record_event(
                action="api_token_first_used",
                instance=token,
                actor=token.user,
                message=f"API token {token.name!r} of {token.user.get_username()} used for the first time.",
            )
        token.last_used_at = now


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`: one query (the token and its user), no plaintext anywhere.

    A read-only token is refused (403, audited) for anything but GET, HEAD and OPTIONS,
    whatever the view: the check is here, not in each view's permissions.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[1].read_only and request.method not in permissions.SAFE_METHODS:
            user, token = result
            record_event(
                action="permission_denied",
                actor=user,
                instance=token,
                changes={"method": [None, request.method], "path": [None, request.path]},
                message=f"{request.method} {request.path} refused: API token {token.name!r} is read-only.",
            )
            raise exceptions.PermissionDenied("This API token is read-only.")
        return result

    def authenticate_credentials(self, token):
        invalid = exceptions.AuthenticationFailed("Invalid token.")
        try:
            text = token.decode("utf-8")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, ValueError):
            raise invalid from None
        now = timezone.now()
        candidates = ApiToken.objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
        for candidate in candidates:
            if not compare_digest(candidate.digest, digest):
                continue
            if candidate.expiry is not None and candidate.expiry < now:
                expire_token(token=candidate)
                raise exceptions.AuthenticationFailed("Token expired.")
            if not candidate.user.is_active:
                raise exceptions.AuthenticationFailed("User inactive or deleted.")
            note_use(candidate, now=now)
            return candidate.user, candidate
        raise invalid
