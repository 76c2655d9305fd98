"""Admin: integrations with write-only credentials and the two run actions; read-only logs."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from common.admin import ReadOnlyAdminMixin

from . import registry, selectors, services
from .models import FindingTicket, Integration, IntegrationLog


class WriteOnlyTextarea(forms.Textarea):
    """Never renders its value back, not even after a validation error (like PasswordInput)."""

    def format_value(self, value):
        return None


class IntegrationAdminForm(forms.ModelForm):
    provider = forms.ChoiceField(choices=())
    new_credentials = forms.CharField(
        required=False,
        label="Credentials",
        widget=WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Write-only JSON object with the provider's credential fields. Leave blank to keep the stored ones.",
    )

    class Meta:
        model = Integration
        fields = ["name", "provider", "description", "status", "config", "frameworks", "sync_frequency_minutes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = registry.choices()
        if self.instance.pk:
            self.fields["provider"].disabled = True

    def clean_new_credentials(self):
        raw = self.cleaned_data.get("new_credentials", "").strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            raise ValidationError("Must be a JSON object.") from None  # never echo the input
        if not isinstance(value, dict):
            raise ValidationError("Must be a JSON object.")
        return value

    def clean(self):
        data = super().clean()
        if "status" in self.changed_data and data.get("status") not in services.USER_SETTABLE_STATUSES:
            self.add_error("status", "Only active, inactive or configured can be chosen; syncs set the others.")
        slug = self.instance.provider if self.instance.pk else data.get("provider")
        if slug and "config" in data:
            try:
                services.validate_settings(
                    provider=slug, config=data["config"] or {}, credentials=data.get("new_credentials")
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    field = {"credentials": "new_credentials"}.get(name, name)
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationAdminForm
    list_display = [
        "name",
        "provider",
        "integration_type",
        "status",
        "health",
        "success_rate_display",
        "consecutive_failures",
        "last_sync_at",
        "next_sync_at",
        "credentials_hint",
    ]
    list_filter = ["provider", "integration_type", "status", "health"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["frameworks"]
    readonly_fields = [
        "integration_type",
        "health",
        "status_message",
        "credentials_hint",
        "credentials_updated_at",
        "last_sync_at",
        "last_success_at",
        "next_sync_at",
        "total_syncs",
        "successful_syncs",
        "failed_syncs",
        "consecutive_failures",
        "created_at",
        "updated_at",
    ]
    actions = ["test_connection_action", "sync_now_action"]

    def get_queryset(self, request):
        return selectors.integrations_for_list()

    @admin.display(description="Success rate")
    def success_rate_display(self, obj):
        rate = obj.success_rate
        return "—" if rate is None else f"{rate:.1f} %"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        credentials = data.get("new_credentials")
        if change:
            changes = {k: data[k] for k in services.EDITABLE_FIELDS if k in form.changed_data}
            changes["frameworks"] = data.get("frameworks", [])
            if credentials is not None:
                changes["credentials"] = credentials
            saved = services.update_integration(integration=obj, changes=changes)
        else:
            saved = services.create_integration(
                name=data["name"],
                provider=data["provider"],
                config=data.get("config") or {},
                credentials=credentials,
                frameworks=data.get("frameworks", []),
                description=data.get("description", ""),
                sync_frequency_minutes=data.get("sync_frequency_minutes"),
                created_by=request.user,
            )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_integration(integration=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for integration in queryset:
            services.delete_integration(integration=integration, actor=request.user)

    def save_related(self, request, form, formsets, change):
        # Frameworks were set by the service; formsets (none) would go here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Test connection", permissions=["run"])
    def test_connection_action(self, request, queryset):
        for integration in queryset:
            result = services.test_connection(integration=integration, trigger="admin")
            level = messages.SUCCESS if result["ok"] else messages.ERROR
            self.message_user(request, f"{integration.name}: {result['message']} ({result['latency_ms']} ms)", level)

    @admin.action(description="Sync now", permissions=["run"])
    def sync_now_action(self, request, queryset):
        for integration in queryset:
            services.request_sync(integration=integration, trigger="admin")
        self.message_user(request, f"Queued {queryset.count()} sync(s); see the integration logs.", messages.SUCCESS)

    def has_run_permission(self, request):
        return request.user.has_perm("integrations.run_integration")


@admin.register(IntegrationLog)
class IntegrationLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "integration",
        "kind",
        "status",
        "trigger",
        "duration_ms",
        "fetched",
        "created",
        "updated",
        "skipped",
        "failed",
    ]
    list_filter = ["kind", "status", "trigger", "integration__provider"]
    search_fields = ["integration__name", "message", "error"]
    list_select_related = ["integration"]
    date_hierarchy = "started_at"


@admin.register(FindingTicket)
class FindingTicketAdmin(admin.ModelAdmin):
    list_display = ["remote_key", "integration", "finding", "remote_status", "created_at"]
    list_filter = ["integration", "remote_status"]
    search_fields = ["remote_key", "remote_id", "finding__title"]
    list_select_related = ["integration", "finding"]
    raw_id_fields = ["finding"]
    readonly_fields = [
        "integration",
        "finding",
        "remote_id",
        "remote_key",
        "remote_url",
        "remote_status",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False
