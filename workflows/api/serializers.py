import json

from croniter import croniter
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.serializers import JSONField, ModelSerializer
from common.api.validators import validate_tags
from compliance.models import ComplianceRule, Finding, Framework

from ..choices import TriggerEvent, WorkflowType
from ..models import Notification, Workflow, WorkflowStep, WorkflowTemplate, WorkflowTrigger
from ..step_specs import validate_steps

MAX_VARIABLES_BYTES = 16 * 1024


class WorkflowTemplateSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(
        slug_field="code", queryset=Framework.objects.all(), required=False, allow_null=True
    )
    steps = JSONField()

    class Meta:
        model = WorkflowTemplate
        fields = [
            "id",
            "name",
            "slug",
            "workflow_type",
            "framework",
            "description",
            "is_builtin",
            "steps",
            "estimated_hours",
            "escalation_role",
            "escalation_grace_hours",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_builtin", "estimated_hours", "created_at", "updated_at"]

    def validate_steps(self, value):
        try:
            return validate_steps(value, known_roles=set(Group.objects.values_list("name", flat=True)))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_escalation_role(self, value):
        if not Group.objects.filter(name=value).exists():
            raise serializers.ValidationError(f"No group named {value!r}.")
        return value


class WorkflowStepSerializer(ModelSerializer):
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True)
    completed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    type = serializers.CharField(source="step_type", read_only=True)

    class Meta:
        model = WorkflowStep
        fields = [
            "order",
            "key",
            "name",
            "type",
            "role",
            "description",
            "status",
            "assigned_to",
            "estimated_hours",
            "due_in_hours",
            "condition",
            "on_reject",
            "quorum",
            "round",
            "started_at",
            "completed_at",
            "completed_by",
            "comment",
            "due_at",
            "overdue_at",
            "escalated_at",
        ]
        read_only_fields = fields


class CurrentStepSerializer(ModelSerializer):
    type = serializers.CharField(source="step_type", read_only=True)

    class Meta:
        model = WorkflowStep
        fields = ["order", "key", "name", "type", "role", "status", "due_at"]
        read_only_fields = fields


def validate_variables(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be a JSON object.")
    if len(json.dumps(value)) > MAX_VARIABLES_BYTES:
        raise serializers.ValidationError(f"At most {MAX_VARIABLES_BYTES} bytes of JSON.")
    bad = [key for key in value if not key.isidentifier() or key.startswith("_")]
    if bad:
        raise serializers.ValidationError(f"Names must be identifiers not starting with '_': {', '.join(bad[:10])}.")
    return value


class WorkflowSerializer(ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="slug", queryset=WorkflowTemplate.objects.all())
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    assigned_team = serializers.SlugRelatedField(
        slug_field="name", queryset=Group.objects.all(), required=False, allow_null=True
    )
    rule = serializers.PrimaryKeyRelatedField(queryset=ComplianceRule.objects.all(), required=False, allow_null=True)
    finding = serializers.PrimaryKeyRelatedField(queryset=Finding.objects.all(), required=False, allow_null=True)
    variables = JSONField(required=False, validators=[validate_variables])
    workflow_type = serializers.ChoiceField(choices=WorkflowType.choices, required=False)
    shared_with = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text="Users who may read a confidential or restricted workflow whatever their role.",
    )
    current_step = CurrentStepSerializer(read_only=True)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "template",
            "workflow_type",
            "status",
            "priority",
            "assigned_to",
            "assigned_team",
            "variables",
            "progress_percentage",
            "current_step",
            "due_at",
            "rule",
            "finding",
            "trigger",
            "access_level",
            "shared_with",
            "notes",
            "started_at",
            "completed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "progress_percentage",
            "trigger",
            "notes",
            "started_at",
            "completed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        # The (finding, trigger) constraint concerns triggered workflows only (trigger is read-only here).
        validators = []

    def validate(self, attrs):
        template = attrs.get("template", getattr(self.instance, "template", None))
        if self.instance is None:
            attrs.setdefault("workflow_type", template.workflow_type)
        finding = attrs.get("finding", getattr(self.instance, "finding", None))
        if finding is not None:
            rule = attrs.get("rule", getattr(self.instance, "rule", None))
            if rule is not None and rule.pk != finding.rule_id:
                raise serializers.ValidationError({"rule": ["Must be the rule of the finding (or left out)."]})
            attrs["rule"] = finding.rule
        return attrs  # the owner is checked by Workflow.clean(), which the service runs


class StepActionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class StateChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class StepAssignSerializer(serializers.Serializer):
    assigned_to = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())


class WorkflowTriggerSerializer(ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="slug", queryset=WorkflowTemplate.objects.all())
    framework = serializers.SlugRelatedField(
        slug_field="code", queryset=Framework.objects.all(), required=False, allow_null=True
    )
    rule = serializers.PrimaryKeyRelatedField(queryset=ComplianceRule.objects.all(), required=False, allow_null=True)
    tags = JSONField(required=False, validators=[validate_tags])

    class Meta:
        model = WorkflowTrigger
        fields = [
            "id",
            "name",
            "event",
            "template",
            "framework",
            "min_severity",
            "rule",
            "tags",
            "priority",
            "cron",
            "next_run_at",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["next_run_at", "created_at", "updated_at"]

    def validate(self, attrs):
        event = attrs.get("event", getattr(self.instance, "event", None))
        cron = attrs.get("cron", getattr(self.instance, "cron", ""))
        if event == TriggerEvent.SCHEDULE and not croniter.is_valid(cron or ""):
            raise serializers.ValidationError({"cron": ["A schedule trigger needs a valid 5-field cron expression."]})
        if event != TriggerEvent.SCHEDULE and cron:
            raise serializers.ValidationError({"cron": ["Only schedule triggers take a cron expression."]})
        if "cron" in attrs and self.instance is not None and attrs["cron"] != self.instance.cron:
            attrs["next_run_at"] = None  # re-timed from now on save
        return attrs


class NotificationTargetSerializer(serializers.Serializer):
    workflow = serializers.IntegerField()
    name = serializers.CharField()
    step = serializers.IntegerField(allow_null=True)


class NotificationSerializer(ModelSerializer):
    target = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "verb", "target", "control", "message", "read_at", "created_at"]
        read_only_fields = fields

    @extend_schema_field(NotificationTargetSerializer(allow_null=True))
    def get_target(self, notification):
        if notification.workflow_id is None:
            return None
        return {
            "workflow": notification.workflow_id,
            "name": notification.workflow.name,
            "step": notification.step.order if notification.step_id else None,
        }
