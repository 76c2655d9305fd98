"""The site's own rows: personal API tokens (who may call the API, for how long, how far)."""

import uuid

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class ApiToken(AbstractAuthToken):
    """A named personal API token, stored only as a hash (django-rest-knox's digest).

    Many per user, each with an expiry (API_TOKEN_DEFAULT_DAYS, at most API_TOKEN_MAX_DAYS),
    an optional read-only scope and the time it was last used. Revoking deletes the row;
    the audit trail keeps the token's life: created, first used, expired, revoked.
    """

    # An integer key instead of knox's digest: audit entries and admin URLs name the row by
    # its key, and the digest (a hash of the secret) belongs nowhere but this column.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    read_only = models.BooleanField(default=False, help_text="Only GET, HEAD and OPTIONS requests.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        # Never the token_key: it is the first characters of the secret itself.
        return f"{self.name} ({self.user.get_username()})"


class OidcIdentity(models.Model):
    """Which local user an OpenID provider's subject signs in as (issuer + sub, never the e-mail)."""

    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique_subject")]
        verbose_name = "OpenID Connect identity"

    def __str__(self):
        return f"{self.subject} at {self.issuer}"
