"""Role-based access for the API: Django model permissions, including view for reads."""

from rest_framework import permissions


class RolePermission(permissions.DjangoModelPermissions):
    """Model permissions from the built-in roles; reads need the view permission too.

    Views without a queryset (analytics, health of the whole system) declare
    `required_permissions`; otherwise any authenticated user may read them.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        action_perms = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action_perms is not None:
            return request.user.has_perms(action_perms)
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return request.user.has_perms(getattr(view, "required_permissions", ()))
        return super().has_permission(request, view)
