from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.representation import FastReadMixin
from common.api.serializers import JSONField, ModelSerializer
from common.api.validators import validate_tags

from ..choices import ControlState
from ..freshness import state_of
from ..models import ComplianceRule, Control, ControlMapping, DataSource, Finding, Framework, RuleEvaluation


class FrameworkSerializer(FastReadMixin, ModelSerializer):
    class Meta:
        model = Framework
        fields = [
            "id",
            "code",
            "name",
            "version",
            "issuer",
            "description",
            "is_active",
            "is_builtin",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_builtin", "created_at", "updated_at"]


class ControlSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all())
    state = serializers.SerializerMethodField()
    state_reason = serializers.SerializerMethodField()

    class Meta:
        model = Control
        fields = [
            "id",
            "framework",
            "parent",
            "ref_id",
            "title",
            "description",
            "is_group",
            "sort_order",
            "parameters",
            "owner",
            "owner_team",
            "implementation_status",
            "not_applicable_justification",
            "review_cadence_days",
            "next_review_at",
            "test_cadence_hours",
            "state",
            "state_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def _verdict(self, control):
        # Views annotate their querysets (freshness.with_state_inputs): one pass, no query per row.
        cached = getattr(control, "_state_verdict", None)
        if cached is None:
            cached = control._state_verdict = state_of(control)
        return cached

    @extend_schema_field(serializers.ChoiceField(choices=ControlState.choices))
    def get_state(self, control):
        return self._verdict(control).state

    @extend_schema_field(serializers.CharField())
    def get_state_reason(self, control):
        return self._verdict(control).reason


class ControlMappingSerializer(FastReadMixin, ModelSerializer):
    class Meta:
        model = ControlMapping
        fields = ["id", "source", "target", "relationship", "rationale", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ComplianceRuleSerializer(FastReadMixin, ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all())
    controls = serializers.PrimaryKeyRelatedField(many=True, queryset=Control.objects.all(), required=False)
    tags = JSONField(required=False)

    class Meta:
        model = ComplianceRule
        fields = [
            "id",
            "name",
            "description",
            "framework",
            "controls",
            "severity",
            "rule_type",
            "is_active",
            "tags",
            "remediation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_tags(self, value):
        return validate_tags(value)


class DataSourceSerializer(FastReadMixin, ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )
    tags = JSONField(required=False)

    class Meta:
        model = DataSource
        fields = [
            "id",
            "name",
            "description",
            "source_type",
            "owner",
            "environment",
            "criticality",
            "tags",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_tags(self, value):
        return validate_tags(value)


class RuleEvaluationSerializer(FastReadMixin, ModelSerializer):
    """Read shape of an evaluation; writes go through evaluation_rows + services."""

    class Meta:
        model = RuleEvaluation
        fields = [
            "id",
            "rule",
            "data_source",
            "status",
            "score",
            "evaluated_at",
            "details",
            "duration_ms",
            "source",
            "recorded_at",
        ]
        read_only_fields = fields


class RuleEvaluationWriteSerializer(serializers.Serializer):
    """Documents the write shape for the schema; validation is evaluation_rows'."""

    rule = serializers.IntegerField()
    data_source = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["passed", "failed", "error", "not_applicable"])
    score = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100)
    evaluated_at = serializers.DateTimeField(required=False)
    details = serializers.DictField(required=False)
    duration_ms = serializers.IntegerField(required=False, min_value=0)
    source = serializers.CharField(required=False, max_length=64)


class BulkEvaluationSerializer(serializers.Serializer):
    evaluations = RuleEvaluationWriteSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):
    evaluations = serializers.IntegerField()
    findings_opened = serializers.IntegerField()
    findings_reopened = serializers.IntegerField()
    findings_resolved = serializers.IntegerField()


class FindingSerializer(FastReadMixin, ModelSerializer):
    framework = serializers.CharField(source="framework_code", read_only=True)
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True, required=False
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule",
            "data_source",
            "framework",
            "title",
            "severity",
            "status",
            "first_seen_at",
            "last_seen_at",
            "opened_at",
            "resolved_at",
            "recurrence_count",
            "occurrences",
            "last_evaluation",
            "assigned_to",
            "due_at",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "rule",
            "data_source",
            "framework",
            "title",
            "severity",
            "first_seen_at",
            "last_seen_at",
            "opened_at",
            "resolved_at",
            "recurrence_count",
            "occurrences",
            "last_evaluation",
            "created_at",
            "updated_at",
        ]
