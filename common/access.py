"""Access levels: the one read policy for every model whose rows may be hidden.

public: any authenticated user; internal: any holder of a built-in role; confidential:
the roles holding the model's "view confidential" permission (Compliance Manager and
Auditor by default), plus the owner and explicit shares; restricted: Compliance Admin,
the owner and explicit shares. Superusers see everything. A model opts in by using
AccessLevelQuerySet as its manager and naming its owner and share fields.
"""

from django.db import models
from django.db.models import Q

from .roles import BUILTIN_ROLES, COMPLIANCE_ADMIN


class AccessLevel(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


def role_names(user):
    """The built-in roles `user` holds (cached on the user: several reads per request ask)."""
    if not hasattr(user, "_builtin_role_names"):
        user._builtin_role_names = set(user.groups.filter(name__in=BUILTIN_ROLES).values_list("name", flat=True))
    return user._builtin_role_names


def visibility_q(user, *, confidential_permission, owner_field="created_by", shared_field="shared_with"):
    """A Q true exactly for the rows `user` may see; Q() when they see everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    roles = role_names(user)
    if user.is_superuser or COMPLIANCE_ADMIN in roles:
        return Q()
    visible = Q(access_level=AccessLevel.PUBLIC)
    if roles:
        visible |= Q(access_level=AccessLevel.INTERNAL)
    if user.has_perm(confidential_permission):
        visible |= Q(access_level=AccessLevel.CONFIDENTIAL)
    if owner_field:
        visible |= Q(**{owner_field: user})
    if shared_field:
        visible |= Q(**{shared_field: user})
    return visible


class AccessLevelQuerySet(models.QuerySet):
    """visible_to(user) for a model with `access_level` and, optionally, owner and share fields.

    The model declares `access_owner_field`, `access_shared_field` (None for none) and
    `confidential_permission` ("app_label.codename").
    """

    def _visibility(self, user):
        model = self.model
        return visibility_q(
            user,
            confidential_permission=model.confidential_permission,
            owner_field=getattr(model, "access_owner_field", "created_by"),
            shared_field=getattr(model, "access_shared_field", "shared_with"),
        )

    def visible_to(self, user):
        """Rows `user` may see. Shares are checked with a subquery so rows never repeat."""
        q = self._visibility(user)
        if not q:
            return self.all()
        if getattr(self.model, "access_shared_field", "shared_with"):
            # A join on the shares would duplicate rows; resolve visibility as an id subquery.
            return self.filter(pk__in=self.model._default_manager.filter(q).values("pk"))
        return self.filter(q)

    def is_visible_to(self, user, obj):
        return self.visible_to(user).filter(pk=obj.pk).exists()
