"""Single sign-on with OpenID Connect: the authorization code flow with PKCE (S256), state
and nonce, through authlib, configured from the issuer's discovery document.

A user signs in as the local user their (issuer, sub) maps to, made on first sign-in. Their
built-in roles follow the provider's groups at every sign-in, through OIDC_ROLE_MAP
("idp-group=Role Name,..."): a group they left takes its role away, and a user in no mapped
group holds no role. The other groups of a user (teams) are left alone. Admin access
(is_staff) follows the roles that use the admin.
"""

import os
from functools import lru_cache

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from common.roles import AUDITOR, BUILTIN_ROLES, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER

from .models import OidcIdentity

STAFF_ROLES = {COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR}  # the roles that work in the admin
SCOPES = "openid email profile"


def configured():
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def role_map():
    """{provider group: built-in role} from OIDC_ROLE_MAP; an unknown role is a configuration error."""
    mapping = {}
    for item in filter(None, (part.strip() for part in settings.OIDC_ROLE_MAP.split(","))):
        group, sep, role = (piece.strip() for piece in item.partition("="))
        if not sep or not group or role not in BUILTIN_ROLES:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_MAP: {item!r} is not 'provider-group=Role', Role one of {', '.join(BUILTIN_ROLES)}."
            )
        mapping[group] = role
    return mapping


def issuer():
    value = settings.OIDC_ISSUER.rstrip("/")
    if value.startswith("http://") and not settings.OIDC_ALLOW_HTTP:
        raise ImproperlyConfigured("OIDC_ISSUER must be https:// (OIDC_ALLOW_HTTP=1 allows http, for tests only).")
    return value


@lru_cache(maxsize=4)
def _client(issuer_url, client_id, client_secret):
    oauth = OAuth()
    oauth.register(
        "oidc",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer_url}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"},
    )
    return oauth.create_client("oidc")


def client():
    """The authlib client for the configured provider (its discovery document read once)."""
    if settings.OIDC_ALLOW_HTTP:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # authlib refuses http token endpoints otherwise
    return _client(issuer(), settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET)


def claims_options():
    """What the ID token must say, checked by authlib with the signature, expiry and nonce:
    our provider as issuer, and our client among its audiences (authlib alone only checks
    the authorised party)."""
    return {
        "iss": {"essential": True, "values": [issuer()]},
        "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
    }


def _username(claims):
    """A free local username for a new SSO user: preferred_username, else the e-mail, else sub."""
    User = get_user_model()
    for candidate in (claims.get("preferred_username"), claims.get("email"), f"sso-{claims['sub']}"):
        if candidate and len(candidate) <= 150 and not User.objects.filter(username=candidate).exists():
            return candidate
    return f"sso-{claims['sub']}"[:150]


def mapped_roles(claims):
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    mapping = role_map()
    return {mapping[group] for group in groups if isinstance(group, str) and group in mapping}


@transaction.atomic
def sign_in(*, claims):
    """The local user for verified ID token `claims`, made or updated, roles set from the groups."""
    identity = (
        OidcIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=claims["iss"], subject=claims["sub"])
        .first()
    )
    if identity is None:
        user = get_user_model()(username=_username(claims))
        user.set_unusable_password()  # SSO users sign in at the provider, never with a password here
        user.save()
        identity = OidcIdentity.objects.create(issuer=claims["iss"], subject=claims["sub"], user=user)
    user = identity.user
    roles = mapped_roles(claims)
    for field, claim in (("email", "email"), ("first_name", "given_name"), ("last_name", "family_name")):
        value = claims.get(claim)
        if isinstance(value, str):
            setattr(user, field, value[: user._meta.get_field(field).max_length])
    user.is_staff = bool(roles & STAFF_ROLES) or user.is_superuser
    user.save()
    held = set(user.groups.filter(name__in=BUILTIN_ROLES).values_list("name", flat=True))
    if held - roles:
        user.groups.remove(*Group.objects.filter(name__in=held - roles))
    if roles - held:
        user.groups.add(*Group.objects.filter(name__in=roles - held))
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    return user
