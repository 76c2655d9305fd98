"""Integration serializers: credentials are write-only; reads show credentials_set and a hint."""

from rest_framework import serializers

from common.api.serializers import JSONField, ModelSerializer
from compliance.models import Framework

from .. import registry
from ..models import FindingTicket, Integration, IntegrationLog


class IntegrationSerializer(ModelSerializer):
    provider = serializers.ChoiceField(choices=[])
    frameworks = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=Framework.objects.all()
    )
    credentials = serializers.DictField(
        child=serializers.CharField(max_length=20000, allow_blank=True, trim_whitespace=False),
        write_only=True,
        required=False,
        help_text="Write-only. Keys are the provider's credential_fields; never returned.",
    )
    config = JSONField(required=False)
    credentials_set = serializers.BooleanField(read_only=True)
    credentials_hint = serializers.CharField(read_only=True)
    success_rate = serializers.FloatField(read_only=True, allow_null=True)
    average_duration_ms = serializers.IntegerField(read_only=True, allow_null=True)
    sync_frequency_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, required=False)

    class Meta:
        model = Integration
        fields = [
            "id",
            "name",
            "description",
            "provider",
            "integration_type",
            "status",
            "status_message",
            "health",
            "config",
            "credentials",
            "credentials_set",
            "credentials_hint",
            "credentials_updated_at",
            "frameworks",
            "sync_frequency_minutes",
            "last_sync_at",
            "last_success_at",
            "next_sync_at",
            "success_rate",
            "average_duration_ms",
            "total_syncs",
            "successful_syncs",
            "failed_syncs",
            "consecutive_failures",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "integration_type",
            "status_message",
            "health",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = registry.choices()
        if self.instance is not None and not isinstance(self.instance, (list, tuple)):
            self.fields["provider"].read_only = True

    def validate_config(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class IntegrationLogSerializer(ModelSerializer):
    class Meta:
        model = IntegrationLog
        fields = [
            "id",
            "integration",
            "kind",
            "status",
            "trigger",
            "task_id",
            "started_at",
            "finished_at",
            "duration_ms",
            "fetched",
            "created",
            "updated",
            "skipped",
            "failed",
            "unmapped",
            "message",
            "error",
        ]
        read_only_fields = fields


class FindingTicketSerializer(ModelSerializer):
    class Meta:
        model = FindingTicket
        fields = [
            "id",
            "integration",
            "finding",
            "remote_id",
            "remote_key",
            "remote_url",
            "remote_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CatalogEntrySerializer(serializers.Serializer):
    provider = serializers.CharField()
    name = serializers.CharField()
    integration_type = serializers.CharField()
    description = serializers.CharField()
    config_schema = JSONField()
    credential_fields = serializers.ListField(child=serializers.DictField())
    capabilities = serializers.ListField(child=serializers.CharField())
    default_sync_frequency_minutes = serializers.IntegerField()


class TestConnectionResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    latency_ms = serializers.IntegerField()


class SyncAcceptedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
