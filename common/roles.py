"""The four built-in roles of docs/api.md, as Django groups with model permissions.

The table below is the single statement of who may do what; the permission-matrix test
checks every endpoint against it.
"""

from django.contrib.auth.models import Group, Permission

COMPLIANCE_ADMIN = "Compliance Admin"
COMPLIANCE_MANAGER = "Compliance Manager"
AUDITOR = "Auditor"
VIEWER = "Viewer"
BUILTIN_ROLES = (COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR, VIEWER)

# Apps whose models the roles govern (Django's own auth/admin stay superuser business,
# except that Compliance Admin manages users and roles).
DOMAIN_APPS = ("compliance", "reports", "workflows", "integrations", "systems", "audit", "engagements", "webhooks")

# (app_label, actions) each role gets on every model of that app.
ROLE_GRANTS = {
    COMPLIANCE_ADMIN: {
        **{app: ("view", "add", "change", "delete") for app in DOMAIN_APPS if app != "audit"},
        "audit": ("view",),  # append-only: nobody edits the trail
        "auth": ("view", "add", "change", "delete"),
        "compliance_site": ("view", "delete"),  # API tokens: listed and revoked, never edited
    },
    COMPLIANCE_MANAGER: {
        "compliance": ("view", "add", "change", "delete"),
        "reports": ("view", "add", "change", "delete"),
        "workflows": ("view", "add", "change", "delete"),
        "engagements": ("view", "add", "change", "delete"),
        "systems": ("view", "add", "change", "delete"),
        "integrations": ("view",),
        "audit": ("view",),
    },
    AUDITOR: dict.fromkeys(DOMAIN_APPS, ("view",)),
    VIEWER: dict.fromkeys(("compliance", "reports", "workflows", "integrations", "systems"), ("view",)),
}

# Permissions that are not model CRUD (declared in model Meta.permissions by each app).
EXTRA_GRANTS = {
    COMPLIANCE_ADMIN: ("*",),
    COMPLIANCE_MANAGER: (
        "workflows.approve_step",
        "reports.view_confidential_report",
        "workflows.view_confidential_workflow",
        "compliance.view_confidential_evidence",
    ),
    AUDITOR: (
        "engagements.conduct_engagement",
        "reports.view_confidential_report",
        "workflows.view_confidential_workflow",
        "compliance.view_confidential_evidence",
    ),
    VIEWER: (),
}

_CRUD = ("view", "add", "change", "delete")


def permissions_for(role):
    """The exact Permission queryset a built-in role should hold."""
    query = Permission.objects.none()
    for app_label, actions in ROLE_GRANTS[role].items():
        # Exact "<action>_<model>" codenames: a custom "view_confidential_report" is not CRUD.
        ids = [
            p.pk
            for p in Permission.objects.filter(content_type__app_label=app_label).select_related("content_type")
            if any(p.codename == f"{action}_{p.content_type.model}" for action in actions)
        ]
        query |= Permission.objects.filter(pk__in=ids)
    extras = EXTRA_GRANTS[role]
    if "*" in extras:  # every non-CRUD permission of the domain apps
        custom = [
            p.pk
            for p in Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related("content_type")
            if not any(p.codename == f"{action}_{p.content_type.model}" for action in _CRUD)
        ]
        query |= Permission.objects.filter(pk__in=custom)
    else:
        for dotted in extras:
            app_label, codename = dotted.split(".", 1)
            query |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return query.distinct()


def _last_app_with_models():
    from django.apps import apps

    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def ensure_builtin_roles(app_config=None, **kwargs):
    """Create the built-in groups and set their permissions to exactly the table above.

    As a post_migrate receiver it acts once, after the last app's signal, when every app's
    permissions exist (Django creates them app by app in the same signal).
    """
    if app_config is not None and app_config is not _last_app_with_models():
        return
    for role in BUILTIN_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions_for(role))


def is_compliance_admin(user):
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=COMPLIANCE_ADMIN).exists())
