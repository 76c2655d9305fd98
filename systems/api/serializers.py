from django.utils import timezone
from rest_framework import serializers

from common.api.serializers import ModelSerializer
from compliance.models import Framework

from ..choices import ComponentStatus, ComponentType, ValidationKind
from ..models import Component, ComponentDefinition, KsiValidation, System


class ComponentSerializer(ModelSerializer):
    type = serializers.ChoiceField(source="component_type", choices=ComponentType.choices, required=False)
    status = serializers.ChoiceField(choices=ComponentStatus.choices, required=False)

    class Meta:
        model = Component
        fields = ["id", "type", "title", "description", "purpose", "status", "responsible_role"]
        read_only_fields = ["id"]


class SystemSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all())
    components = ComponentSerializer(many=True, required=False)
    requirements_count = serializers.SerializerMethodField()

    class Meta:
        model = System
        fields = [
            "id",
            "name",
            "short_name",
            "description",
            "authorization_boundary",
            "impact_level",
            "status",
            "framework",
            "information_types",
            "responsible_parties",
            "components",
            "requirements_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_requirements_count(self, system) -> int:
        return getattr(system, "requirements_total", None) or system.requirements.count()

    def validate_components(self, components):
        titles = [component["title"] for component in components]
        if len(set(titles)) != len(titles):
            raise serializers.ValidationError("Component titles must be unique within a system.")
        return components

    def _list_of_objects(self, value, keys, field):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise serializers.ValidationError(f"{field} must be a list of objects.")
        for item in value:
            unknown = set(item) - set(keys)
            if unknown or not all(isinstance(v, str) for v in item.values()):
                raise serializers.ValidationError(f"{field}: each item holds only text {sorted(keys)}.")
        return value

    def validate_information_types(self, value):
        return self._list_of_objects(
            value, ("title", "description", "confidentiality", "integrity", "availability"), "information_types"
        )

    def validate_responsible_parties(self, value):
        return self._list_of_objects(value, ("role", "party"), "responsible_parties")


class ComponentDefinitionSerializer(ModelSerializer):
    components = serializers.SerializerMethodField()

    class Meta:
        model = ComponentDefinition
        fields = ["id", "title", "version", "source_uuid", "components", "created_at", "updated_at"]
        read_only_fields = fields

    def get_components(self, definition) -> list[dict]:
        return [
            {
                "id": c.pk,
                "title": c.title,
                "type": c.component_type,
                "implementations": len(c.defined_implementations.all()),
            }
            for c in definition.components.all()
        ]


class KsiValidationSerializer(ModelSerializer):
    indicator = serializers.CharField(max_length=64, help_text="Indicator id, e.g. KSI-CMT-LMC.")
    kind = serializers.ChoiceField(choices=ValidationKind.choices)
    validated_at = serializers.DateTimeField(required=False)

    class Meta:
        model = KsiValidation
        fields = ["id", "indicator", "kind", "passed", "validated_at", "notes", "recorded_at"]
        read_only_fields = ["id", "recorded_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["indicator"] = instance.indicator.control.ref_id
        return data

    def validate_validated_at(self, value):
        if value > timezone.now():
            raise serializers.ValidationError("A validation cannot have run in the future.")
        return value
