"""The site's admin screens: API tokens (listed and revoked here; issued through the API)."""

from django.contrib import admin, messages

from . import tokens
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created", "expiry", "last_used_at", "read_only"]
    list_filter = ["read_only"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    fields = ["public_id", "name", "user", "created", "expiry", "last_used_at", "read_only"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a token is shown once, to the person it is issued to: POST /api/v1/auth/tokens/

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        tokens.revoke_token(token=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            tokens.revoke_token(token=token, actor=request.user)

    @admin.action(description="Revoke selected tokens", permissions=["delete"])
    def revoke(self, request, queryset):
        self.delete_queryset(request, queryset)
        self.message_user(request, "Revoked.", messages.SUCCESS)
