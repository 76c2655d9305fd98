"""Permission scoping for reports: the one statement of who may see which report."""

from django.db import models
from django.db.models import Q

from common.roles import BUILTIN_ROLES, COMPLIANCE_ADMIN

from .choices import AccessLevel

CONFIDENTIAL_PERMISSION = "reports.view_confidential_report"


def _role_names(user):
    # Cached on the user object: the admin and the API ask several times per request.
    if not hasattr(user, "_report_role_names"):
        user._report_role_names = set(user.groups.filter(name__in=BUILTIN_ROLES).values_list("name", flat=True))
    return user._report_role_names


def visibility_q(user):
    """A Q over Report that is true exactly for the reports `user` may see.

    public: any authenticated user; internal: any built-in role; confidential: creator,
    Compliance Manager, Compliance Admin, Auditor and explicit shares; restricted: creator,
    Compliance Admin and explicit shares. Superusers see everything.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    roles = _role_names(user)
    if user.is_superuser or COMPLIANCE_ADMIN in roles:
        return Q()
    personal = Q(created_by=user) | Q(shared_with=user)
    visible = Q(access_level=AccessLevel.PUBLIC)
    if roles:
        visible |= Q(access_level=AccessLevel.INTERNAL)
    if user.has_perm(CONFIDENTIAL_PERMISSION):
        visible |= Q(access_level=AccessLevel.CONFIDENTIAL)
    return visible | personal


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports `user` may see. Shares are checked with a subquery so rows never repeat."""
        q = visibility_q(user)
        if not q:
            return self.all()
        from .models import Report

        # A join on shared_with would duplicate rows; resolve visibility as an id subquery.
        visible_ids = Report.objects.filter(q).values("pk")
        return self.filter(pk__in=visible_ids)

    def is_visible_to(self, user, report):
        return self.visible_to(user).filter(pk=report.pk).exists()
