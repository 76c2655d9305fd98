"""Engagement API shapes (docs/api.md, "Engagements")."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.api.serializers import ModelSerializer
from compliance.models import ComplianceRule, Control, DataSource, Evidence, Framework

from ..choices import Frequency, PopulationKind, SignOffResult
from ..models import Engagement, EvidenceRequest, Population, Sample, SignOff

MEMBERS_SHOWN = 1000  # ids in a population answer; the rest are read page by page


class EngagementSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all())
    controls = serializers.PrimaryKeyRelatedField(many=True, queryset=Control.objects.all(), required=False)
    auditors = serializers.PrimaryKeyRelatedField(many=True, queryset=get_user_model().objects.all(), required=False)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "name",
            "framework",
            "controls",
            "period_start",
            "period_end",
            "auditors",
            "status",
            "created_at",
            "updated_at",
            "created_by",
        ]
        read_only_fields = ["created_at", "updated_at", "created_by"]

    def validate(self, attrs):
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": ["The audit period cannot end before it starts."]})
        return attrs


class PopulationSerializer(ModelSerializer):
    members = serializers.SerializerMethodField()
    members_next_offset = serializers.SerializerMethodField()

    class Meta:
        model = Population
        fields = ["id", "control", "kind", "size", "sha256", "members", "members_next_offset", "frozen_at", "frozen_by"]
        read_only_fields = fields

    def _window(self):
        offset = self.context.get("members_offset", 0)
        return offset, offset + self.context.get("members_limit", MEMBERS_SHOWN)

    def get_members(self, population) -> list[int]:
        start, end = self._window()
        return population.member_ids()[start:end]

    def get_members_next_offset(self, population) -> int | None:
        _, end = self._window()
        return end if end < population.size else None


class PopulationWriteSerializer(serializers.Serializer):
    control = serializers.PrimaryKeyRelatedField(queryset=Control.objects.all())
    kind = serializers.ChoiceField(choices=PopulationKind.choices, default=PopulationKind.EVALUATIONS)
    actions = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50, default=list
    )


class SampleSerializer(ModelSerializer):
    class Meta:
        model = Sample
        fields = ["id", "population", "seed", "size", "frequency", "members", "drawn_at", "drawn_by"]
        read_only_fields = fields


class SampleWriteSerializer(serializers.Serializer):
    population = serializers.PrimaryKeyRelatedField(queryset=Population.objects.all())
    size = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False)
    seed = serializers.CharField(required=False, min_length=1, max_length=128)

    def validate(self, attrs):
        if ("size" in attrs) == ("frequency" in attrs):
            raise serializers.ValidationError({"size": ["Give either a size or a frequency."]})
        return attrs


class EvidenceRequestSerializer(ModelSerializer):
    control = serializers.PrimaryKeyRelatedField(queryset=Control.objects.all())
    sample = serializers.PrimaryKeyRelatedField(queryset=Sample.objects.all(), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    answers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = EvidenceRequest
        fields = [
            "id",
            "control",
            "sample",
            "member",
            "title",
            "description",
            "due_at",
            "assignee",
            "status",
            "answers",
            "comment",
            "overdue",
            "requested_by",
            "created_at",
            "answered_at",
            "decided_at",
        ]
        read_only_fields = ["status", "answers", "comment", "requested_by", "created_at", "answered_at", "decided_at"]


class AnswerSerializer(serializers.Serializer):
    evidence = serializers.PrimaryKeyRelatedField(many=True, queryset=Evidence.objects.all(), allow_empty=False)


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


class SignOffSerializer(ModelSerializer):
    control = serializers.PrimaryKeyRelatedField(queryset=Control.objects.all())
    result = serializers.ChoiceField(choices=SignOffResult.choices)
    rule = serializers.PrimaryKeyRelatedField(
        queryset=ComplianceRule.objects.all(), required=False, write_only=True, help_text="Opens a finding."
    )
    data_source = serializers.PrimaryKeyRelatedField(
        queryset=DataSource.objects.all(), required=False, write_only=True, help_text="Opens a finding."
    )

    class Meta:
        model = SignOff
        fields = ["id", "control", "result", "note", "rule", "data_source", "finding", "signed_by", "signed_at"]
        read_only_fields = ["finding", "signed_by", "signed_at"]


class ProgressSerializer(serializers.Serializer):
    controls_in_scope = serializers.IntegerField()
    controls_tested = serializers.IntegerField()
    controls_not_tested = serializers.IntegerField()
    percent_tested = serializers.FloatField()
    exceptions = serializers.IntegerField()
    populations = serializers.IntegerField()
    samples = serializers.IntegerField()
    requests = serializers.DictField(child=serializers.IntegerField())
