from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "actor_username", "action", "object_repr", "impact_level", "source"]
    list_filter = ["impact_level", "source", "action"]
    search_fields = ["actor_username", "object_repr", "message", "request_id"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
