"""Brute-force lockout: 5 failed logins for one username from one IP lock that pair out.

The lock lasts LOGIN_LOCKOUT_SECONDS; failures older than the window are forgotten. State
lives in the shared cache (Redis in production, the database cache in embedded mode), so
every web process sees the same counters. Each lockout is an audit entry.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from audit.middleware import client_ip

from .permission_cache import cached_permissions


def _key(kind, username, ip):
    digest = hashlib.sha256(f"{(username or '').strip().lower()}|{ip or '-'}".encode()).hexdigest()[:32]
    return f"login:{kind}:{digest}"


def _ip(request):
    return client_ip(request) if request is not None else None


def is_locked(username, request):
    return bool(cache.get(_key("locked", username, _ip(request))))


def record_failure(username, request):
    """Count a failure; lock the (username, IP) pair when it reaches the limit."""
    ip = _ip(request)
    if cache.get(_key("locked", username, ip)):
        return
    failures_key = _key("failures", username, ip)
    cache.add(failures_key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    failures = cache.incr(failures_key)
    if failures >= settings.LOGIN_MAX_FAILURES:
        cache.set(_key("locked", username, ip), True, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        cache.delete(failures_key)
        from audit.services import record_event

        record_event(
            action="login_locked_out",
            impact_level="high",
            message=(
                f"Sign-in for {username!r} from {ip} locked for {settings.LOGIN_LOCKOUT_SECONDS} s "
                f"after {failures} failed attempts."
            ),
            changes={"username": [None, username], "ip_address": [None, ip]},
        )


def clear_failures(username, request):
    cache.delete(_key("failures", username, _ip(request)))


class LockoutModelBackend(ModelBackend):
    """Django's ModelBackend that refuses a locked (username, IP) pair before the password check,
    and reads permission sets from the shared permission cache.

    One backend, not a guard in front of ModelBackend: sessions (and force_login) name the
    first backend, which must be able to load users.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and is_locked(username, request):
            raise PermissionDenied("Too many failed sign-in attempts; try again later.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and settings.PASSWORD_LOGIN_SUPERUSERS_ONLY and not user.is_superuser:
            return None  # single sign-on only: a failed sign-in, audited as one
        return user

    def get_all_permissions(self, user_obj, obj=None):
        # ModelBackend's own per-object memo stays; across requests the set comes from
        # the shared permission cache instead of two queries (compliance_site/permission_cache.py).
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            # BaseBackend's union of user and group permissions, computed only on a cache miss.
            user_obj._perm_cache = cached_permissions(
                user_obj.pk, lambda: BaseBackend.get_all_permissions(self, user_obj)
            )
        return user_obj._perm_cache


def on_login_failed(sender, credentials, request=None, **kwargs):
    record_failure(credentials.get("username"), request)


def on_logged_in(sender, request, user, **kwargs):
    clear_failures(user.get_username(), request)
