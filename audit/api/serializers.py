from rest_framework import serializers

from ..models import AuditLog


class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditLog
        fields = [
            "id", "seq", "timestamp", "actor", "actor_username", "action", "content_type", "object_id",
            "object_repr", "changes", "impact_level", "request_id", "ip_address", "user_agent", "session_hash", "source",
            "message", "entry_hash",
        ]
        read_only_fields = fields

    def get_content_type(self, obj) -> str | None:
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None
