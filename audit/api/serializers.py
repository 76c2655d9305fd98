from rest_framework import serializers

from common.api.representation import FastReadMixin
from common.api.serializers import ModelSerializer

from ..models import AuditLog, AuditSigningKey, AuditTreeCheckpoint


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


class TreeCheckpointSerializer(FastReadMixin, ModelSerializer):
    note = serializers.CharField(read_only=True, help_text="C2SP signed note: origin, size, base64 root, signature.")

    class Meta:
        model = AuditTreeCheckpoint
        fields = ["size", "root_hash", "timestamp", "key_id", "note", "timestamp_token"]
        read_only_fields = fields


class SigningKeySerializer(FastReadMixin, ModelSerializer):
    class Meta:
        model = AuditSigningKey
        fields = ["name", "public_key", "key_id", "valid_from", "valid_until"]
        read_only_fields = fields


class PublicKeySerializer(serializers.Serializer):
    name = serializers.CharField()
    public_key = serializers.CharField(help_text="base64 of the 32 raw bytes of the Ed25519 public key")
    key_id = serializers.CharField(help_text="hex of the C2SP key hash")


class ProofIndexSerializer(serializers.Serializer):
    proof = serializers.CharField()
    url = serializers.CharField()


class InclusionProofSerializer(serializers.Serializer):
    leaf_index = serializers.IntegerField()
    leaf_hash = serializers.CharField()
    tree_size = serializers.IntegerField()
    audit_path = serializers.ListField(child=serializers.CharField())


class ConsistencyProofSerializer(serializers.Serializer):
    proof = serializers.ListField(child=serializers.CharField())

    def get_fields(self):
        # "from" is a Python keyword: the field names are set here.
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField()
        fields["to"] = serializers.IntegerField()
        return fields
