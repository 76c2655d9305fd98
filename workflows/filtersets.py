"""One FilterSet per model (see compliance/filtersets.py for the convention)."""

import django_filters as filters
from django.contrib.auth.models import Group

from common.access import AccessLevel
from common.filtersets import BaseFilterSet, StrictBooleanFilter, StrictFilterSet, UTCDateTimeFilter
from compliance.choices import Severity
from compliance.filtersets import framework_filter

from .choices import NotificationVerb, Priority, TriggerEvent, WorkflowStatus, WorkflowType
from .models import Notification, Workflow, WorkflowTemplate, WorkflowTrigger


class WorkflowTemplateFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "description", "steps", "estimated_hours", "escalation_grace_hours", "updated_at")
    workflow_type = filters.ChoiceFilter(choices=WorkflowType.choices)
    framework = framework_filter()
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = WorkflowTemplate
        fields = ["name", "slug", "workflow_type", "framework", "is_builtin", "escalation_role", "created_at"]


class WorkflowFilterSet(BaseFilterSet):
    unfiltered_fields = (
        "id",
        "variables",
        "progress_percentage",
        "escalation_role",
        "escalation_grace_hours",
        "notes",
        "started_at",
        "completed_at",
        "updated_at",
        "current_step",
    )
    status = filters.MultipleChoiceFilter(choices=WorkflowStatus.choices)
    workflow_type = filters.ChoiceFilter(choices=WorkflowType.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    template = filters.ModelChoiceFilter(to_field_name="slug", queryset=WorkflowTemplate.objects.all())
    assigned_team = filters.ModelChoiceFilter(to_field_name="name", queryset=Group.objects.all())
    framework = framework_filter("template__framework")
    name = filters.CharFilter(lookup_expr="icontains")
    due_before = UTCDateTimeFilter(field_name="due_at", lookup_expr="lt")
    due_after = UTCDateTimeFilter(field_name="due_at", lookup_expr="gte")
    overdue = StrictBooleanFilter(method="filter_overdue", label="Current step is overdue")
    access_level = filters.MultipleChoiceFilter(choices=AccessLevel.choices)

    class Meta:
        model = Workflow
        fields = [
            "access_level",
            "shared_with",
            "name",
            "template",
            "workflow_type",
            "status",
            "priority",
            "assigned_to",
            "assigned_team",
            "rule",
            "finding",
            "trigger",
            "created_by",
            "due_at",
            "created_at",
        ]

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset.exclude(pk__in=queryset.overdue().values("pk"))


class WorkflowTriggerFilterSet(BaseFilterSet):
    unfiltered_fields = ("id", "cron", "next_run_at", "updated_at")
    event = filters.ChoiceFilter(choices=TriggerEvent.choices)
    min_severity = filters.ChoiceFilter(choices=Severity.choices)
    priority = filters.ChoiceFilter(choices=Priority.choices)
    framework = framework_filter()
    template = filters.ModelChoiceFilter(to_field_name="slug", queryset=WorkflowTemplate.objects.all())
    tags = filters.CharFilter(method="filter_tag", label="Has this tag")
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = WorkflowTrigger
        fields = [
            "name",
            "event",
            "template",
            "framework",
            "min_severity",
            "rule",
            "tags",
            "priority",
            "is_active",
            "created_at",
        ]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])


class NotificationFilterSet(StrictFilterSet):
    unfiltered_fields = ("id", "recipient", "step", "message", "emailed_at", "read_at", "created_at", "notice_key")
    verb = filters.MultipleChoiceFilter(choices=NotificationVerb.choices)
    control = filters.NumberFilter(field_name="control")
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["verb", "workflow"]
