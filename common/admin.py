"""Admin mixins shared by every app."""


class ReadOnlyAdminMixin:
    """For rows written by services and never edited by hand (evaluations, logs, the audit trail)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
