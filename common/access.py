"""Access levels: the one read policy for every model whose rows may be hidden.

public: any authenticated user; internal: any holder of a built-in role; confidential:
the roles holding the model's "view confidential" permission (Compliance Manager and
Auditor by default), plus the people the row names; restricted: Compliance Admin and the
people the row names. Superusers see everything. "The people the row names" are the
model's personal grants (`access_personal_q(user)`: by default its creator and explicit
shares; a workflow adds its assignees and team). A model opts in with
AccessLevelQuerySet as its manager and a `confidential_permission`.
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


def visibility_q(user, *, confidential_permission, personal_q):
    """A Q true exactly for the rows `user` may see; Q() when they see everything.

    `personal_q(user)`: the rows granted to `user` by name, whatever their level.
    """
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
    return visible | personal_q(user)


def level_readable_by(user, access_level, *, confidential_permission):
    """Whether `user` may read a row at `access_level` by role alone (not by a personal grant):
    the same rules as visibility_q, for a row that does not exist yet (a future scheduled
    report)."""
    if user is None or not user.is_active:
        return False
    roles = role_names(user)
    if user.is_superuser or COMPLIANCE_ADMIN in roles:
        return True
    if access_level == AccessLevel.PUBLIC:
        return True
    if access_level == AccessLevel.INTERNAL:
        return bool(roles)
    if access_level == AccessLevel.CONFIDENTIAL:
        return user.has_perm(confidential_permission)
    return False


RANK = {level: rank for rank, level in enumerate(AccessLevel.values)}


def at_most(level):
    """The access levels no higher than `level` (public < internal < confidential < restricted)."""
    return [candidate for candidate in AccessLevel.values if RANK[candidate] <= RANK[level]]


def highest(levels):
    """The highest of `levels` (public when there are none)."""
    return max(levels, key=RANK.__getitem__, default=AccessLevel.PUBLIC)


class AccessLevelQuerySet(models.QuerySet):
    """visible_to(user) for a model with `access_level`, a `confidential_permission`
    ("app_label.codename") and, optionally, an `access_personal_q(user)` classmethod."""

    def _visibility(self, user):
        model = self.model
        personal = getattr(model, "access_personal_q", None) or _creator_and_shares
        return visibility_q(user, confidential_permission=model.confidential_permission, personal_q=personal)

    def visible_to(self, user):
        """Rows `user` may see. Personal grants go through to-many relations, so visibility
        is resolved as an id subquery: rows never repeat."""
        q = self._visibility(user)
        if not q:
            return self.all()
        return self.filter(pk__in=self.model._default_manager.filter(q).values("pk"))

    def is_visible_to(self, user, obj):
        return self.visible_to(user).filter(pk=obj.pk).exists()


def _creator_and_shares(user):
    return Q(created_by=user) | Q(shared_with=user)
