"""Evidence API shapes: a multipart (or JSON) write, and the read with provenance."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.access import AccessLevel
from common.api.serializers import JSONField, ModelSerializer
from common.api.validators import validate_tags

from ..models import ComplianceRule, Control, Evidence, Finding

MAX_VALID_DAYS = 3660


def _ids(model):
    return serializers.PrimaryKeyRelatedField(many=True, queryset=model._default_manager.all(), required=False)


class EvidenceWriteSerializer(serializers.Serializer):
    """POST /evidence/ and /evidence/{id}/versions/: a `file` (multipart) or a JSON `record`."""

    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    record = JSONField(required=False)
    media_type = serializers.CharField(required=False, max_length=150)
    name = serializers.CharField(required=False, max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    controls = _ids(Control)
    rules = _ids(ComplianceRule)
    findings = _ids(Finding)
    collected_at = serializers.DateTimeField(required=False)
    covers_from = serializers.DateField(required=False, allow_null=True)
    covers_to = serializers.DateField(required=False, allow_null=True)
    source = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    valid_for_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_VALID_DAYS)
    access_level = serializers.ChoiceField(choices=AccessLevel.choices, required=False)
    tags = JSONField(required=False, validators=[validate_tags])
    shared_with = _ids(get_user_model())

    def validate_record(self, value):
        if not isinstance(value, (dict, list)):
            raise serializers.ValidationError("A record is a JSON object or array.")
        return value

    def validate(self, attrs):
        if ("file" in attrs) == ("record" in attrs):
            raise serializers.ValidationError({"file": ["Send either a file or a JSON record, not both, not neither."]})
        start, end = attrs.get("covers_from"), attrs.get("covers_to")
        if start and end and end < start:
            raise serializers.ValidationError({"covers_to": ["The covered period cannot end before it starts."]})
        if "tags" in attrs:
            attrs["tags"] = validate_tags(attrs["tags"])
        return attrs


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["user", "integration", "unknown"]},
            "id": {"type": "integer", "nullable": True},
            "username": {"type": "string"},
            "sync_log": {"type": "integer", "nullable": True},
        },
    }
)
class CollectedByField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, evidence):
        if evidence.collected_by_integration_id is not None:
            return {"kind": "integration", "id": evidence.collected_by_integration_id, "sync_log": evidence.sync_log_id}
        if evidence.collected_by_id is not None:
            return {"kind": "user", "id": evidence.collected_by_id, "username": evidence.collected_by.get_username()}
        return {"kind": "unknown", "id": None}


class EvidenceSerializer(ModelSerializer):
    collected_by = CollectedByField()
    expired = serializers.BooleanField(source="is_expired", read_only=True)
    replaced_by = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "name",
            "description",
            "sha256",
            "size",
            "media_type",
            "is_record",
            "controls",
            "rules",
            "findings",
            "collected_at",
            "covers_from",
            "covers_to",
            "collected_by",
            "source",
            "valid_for_days",
            "expires_at",
            "expired",
            "version",
            "replaces",
            "replaced_by",
            "access_level",
            "tags",
            "shared_with",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_replaced_by(self, evidence):
        successor = getattr(evidence, "replaced_by", None)  # a missing reverse one-to-one raises AttributeError
        return successor.pk if successor is not None else None
