"""Read-only admin for the audit trail; the per-object history pages use it too."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["timestamp", "actor_username", "action", "content_type", "object_repr", "impact_level", "source"]
    list_filter = ["impact_level", "source", "action", "content_type"]
    list_select_related = ["content_type"]
    search_fields = ["actor_username", "object_repr", "request_id", "=object_id"]
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditLog._meta.fields]

    def lookup_allowed(self, lookup, value, request=None):
        # The history page links here filtered to one object.
        return lookup in ("object_id", "object_id__exact", "request_id") or super().lookup_allowed(
            lookup, value, request
        )
