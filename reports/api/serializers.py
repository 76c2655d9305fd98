"""Report API serializers: docs/api.md field names; scope ids and parameters validated up front."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.serializers import JSONField, ModelSerializer
from common.api.validators import validate_tags
from compliance.models import ComplianceRule, Control, DataSource, Framework

from .. import scheduling, services
from ..models import Report, ReportSchedule, ReportTemplate
from ..parameters import validate_declarations, validate_sections

MAX_SCOPE_IDS = 5000
MAX_RECIPIENTS = 50


def _django_errors(exc):
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


class IdListField(serializers.ListField):
    """A list of ids that must all exist; the 400 names every missing one."""

    def __init__(self, *, model, **kwargs):
        self.model = model
        super().__init__(
            child=serializers.IntegerField(min_value=1), max_length=MAX_SCOPE_IDS, required=False, **kwargs
        )

    def to_internal_value(self, data):
        ids = sorted(set(super().to_internal_value(data)))
        found = set(self.model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown ids: {', '.join(map(str, missing[:50]))}.")
        return ids

    def to_representation(self, value):
        # A related manager; iterating .all() uses the view's prefetch (no query per row).
        return [obj.pk for obj in value.all()]


class ReportTemplateSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(
        slug_field="code", queryset=Framework.objects.all(), required=False, allow_null=True
    )
    sections = JSONField()
    parameters = JSONField(required=False)

    class Meta:
        model = ReportTemplate
        fields = [
            "id",
            "name",
            "slug",
            "report_type",
            "framework",
            "description",
            "version",
            "is_builtin",
            "is_default",
            "default_format",
            "sections",
            "parameters",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_builtin", "is_default", "version", "created_at", "updated_at"]

    def validate_sections(self, value):
        try:
            return validate_sections(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_parameters(self, value):
        try:
            return validate_declarations(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class ReportSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(
        slug_field="code", queryset=Framework.objects.all(), required=False, allow_null=True
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=ReportTemplate.objects.all(), required=False, allow_null=True
    )
    rules = IdListField(model=ComplianceRule)
    data_sources = IdListField(model=DataSource)
    shared_with = IdListField(model=get_user_model())
    tags = JSONField(required=False)
    parameters = JSONField(required=False)
    file_url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    generated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "name",
            "description",
            "report_type",
            "status",
            "framework",
            "template",
            "file_format",
            "file_url",
            "file_size",
            "file_hash",
            "generated_by",
            "generated_at",
            "generation_time_ms",
            "compliance_score",
            "page_count",
            "finding_count",
            "data_source_count",
            "rule_count",
            "access_level",
            "tags",
            "parameters",
            "rules",
            "data_sources",
            "shared_with",
            "error_message",
            "created_at",
            "created_by",
            "progress",
            "task_id",
            "schedule",
        ]
        read_only_fields = [
            "status",
            "file_size",
            "file_hash",
            "generated_at",
            "generation_time_ms",
            "compliance_score",
            "page_count",
            "finding_count",
            "data_source_count",
            "rule_count",
            "error_message",
            "created_at",
            "task_id",
            "schedule",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, report):
        url = report.download_url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if url and request else url

    @extend_schema_field(serializers.DictField())
    def get_progress(self, report):
        progress = dict(report.progress or {})
        progress["label"] = report.progress_label
        return progress

    def validate_tags(self, value):
        return validate_tags(value)

    def validate(self, attrs):
        template = attrs.get("template", getattr(self.instance, "template", None))
        report_type = attrs.get("report_type", getattr(self.instance, "report_type", None))
        if template is not None and report_type and template.report_type != report_type:
            raise serializers.ValidationError(
                {"template": [f"Template {template.slug!r} is for {template.report_type} reports, not {report_type}."]}
            )
        if "parameters" in attrs or "template" in attrs:
            try:
                attrs["parameters"] = services.resolve_parameters(
                    template=template, values=attrs.get("parameters", getattr(self.instance, "parameters", {}))
                )
            except DjangoValidationError as exc:
                raise serializers.ValidationError(_django_errors(exc)) from None
        return attrs


class GenerateResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    task_id = serializers.CharField()


class ReportScheduleSerializer(ModelSerializer):
    recipients = serializers.ListField(child=serializers.EmailField(), max_length=MAX_RECIPIENTS, required=False)
    parameters = JSONField(required=False)

    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "template",
            "name",
            "cron",
            "timezone",
            "parameters",
            "file_format",
            "recipients",
            "attach_file",
            "access_level",
            "is_active",
            "next_run_at",
            "last_run_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["next_run_at", "last_run_at", "created_by", "created_at", "updated_at"]

    def validate(self, attrs):
        instance = self.instance or ReportSchedule()
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            scheduling.validate_cron(instance.cron)
            scheduling.validate_timezone(instance.timezone)
            attrs["parameters"] = scheduling.validate_schedule_parameters(
                template=instance.template, values=instance.parameters
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_errors(exc)) from None
        return attrs


class FileAsEvidenceSerializer(serializers.Serializer):
    controls = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Control.objects.all(), required=False, help_text="Default: the controls of its rules."
    )
    valid_for_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3660)
