from rest_framework import serializers

from common.api.representation import FastReadMixin
from common.api.serializers import ModelSerializer

from ..models import AuditLog


class AuditLogSerializer(FastReadMixin, ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    seq = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Place in the hash chain; null until sealed."
    )
    entry_hash = serializers.CharField(read_only=True)
    content_type = serializers.CharField(
        source="content_type_label",
        read_only=True,
        allow_null=True,
        help_text='"app_label.model" of the object the entry is about.',
    )

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "seq",
            "timestamp",
            "actor",
            "actor_username",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "changes",
            "impact_level",
            "request_id",
            "ip_address",
            "user_agent",
            "session_hash",
            "source",
            "message",
            "entry_hash",
        ]
        read_only_fields = fields
