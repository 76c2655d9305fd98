from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from common.admin import ServiceWritesAdmin, VisibleToAdminMixin

from . import services
from .models import (
    Notification,
    StepApproval,
    Workflow,
    WorkflowStep,
    WorkflowTemplate,
    WorkflowTransition,
    WorkflowTrigger,
)
from .notifications import mark_read
from .step_specs import validate_steps


class WorkflowTemplateForm(forms.ModelForm):
    class Meta:
        model = WorkflowTemplate
        fields = "__all__"
        widgets = {"steps": forms.Textarea(attrs={"rows": 24, "cols": 110, "style": "font-family: monospace"})}

    def clean_steps(self):
        # The same validation as the API: a bad condition or role never reaches the database.
        return validate_steps(self.cleaned_data["steps"], known_roles=set(Group.objects.values_list("name", flat=True)))

    def clean_escalation_role(self):
        role = self.cleaned_data["escalation_role"]
        if not Group.objects.filter(name=role).exists():
            raise ValidationError(f"No group named {role!r}.")
        return role


@admin.register(WorkflowTemplate)
class WorkflowTemplateAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.TEMPLATE_WRITES
    form = WorkflowTemplateForm
    list_display = ["name", "slug", "workflow_type", "framework", "step_count", "estimated_hours", "is_builtin"]
    list_filter = ["workflow_type", "is_builtin", "framework"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["framework"]
    list_select_related = ["framework"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["steps_overview", "estimated_hours", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "workflow_type", "framework", "description", "is_builtin"]}),
        (
            "Steps",
            {
                "fields": ["steps_overview", "steps", "estimated_hours"],
                "description": "A JSON list of {key, name, type, role, estimated_hours, due_in_hours, condition, "
                "on_reject, quorum}. Saved only when every step is valid.",
            },
        ),
        ("Escalation", {"fields": ["escalation_role", "escalation_grace_hours"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="Steps")
    def step_count(self, obj):
        return len(obj.steps or [])

    @admin.display(description="Step overview")
    def steps_overview(self, obj):
        if not obj.steps:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    i,
                    s.get("key"),
                    s.get("name"),
                    s.get("type"),
                    s.get("role") or "—",
                    s.get("estimated_hours"),
                    s.get("condition") or "",
                )
                for i, s in enumerate(obj.steps, start=1)
            ),
        )
        return format_html(
            "<table><tr><th>#</th><th>Key</th><th>Name</th><th>Type</th><th>Role</th><th>Hours</th>"
            "<th>Condition</th></tr>{}</table>",
            rows,
        )


class ReadOnlyInline(admin.TabularInline):
    """History shown on the workflow page; it changes only through the services."""

    extra = 0
    can_delete = False
    select_related = ()

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.select_related)


class WorkflowStepInline(ReadOnlyInline):
    model = WorkflowStep
    fields = [
        "order",
        "name",
        "step_type",
        "role",
        "status",
        "assigned_to",
        "due_at",
        "overdue_at",
        "escalated_at",
        "completed_by",
        "comment",
    ]
    select_related = ("assigned_to", "completed_by")


class WorkflowTransitionInline(ReadOnlyInline):
    model = WorkflowTransition
    fields = ["created_at", "from_status", "to_status", "actor", "reason"]
    select_related = ("actor",)


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workflow_type"].required = False

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        if template is not None and not cleaned.get("workflow_type"):
            # Left empty: the template's type (set here so model validation sees it).
            cleaned["workflow_type"] = self.instance.workflow_type = template.workflow_type
        return cleaned


def _run(modeladmin, request, queryset, service, verb):
    done = 0
    for workflow in queryset:
        try:
            service(workflow=workflow, actor=request.user)
            done += 1
        except services.StepConflict as exc:
            modeladmin.message_user(request, f"{workflow}: {exc}", messages.WARNING)
    if done:
        modeladmin.message_user(request, f"{verb} {done} workflow(s).", messages.SUCCESS)


@admin.register(Workflow)
class WorkflowAdmin(VisibleToAdminMixin, ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.WORKFLOW_WRITES
    list_display = [
        "name",
        "template",
        "status",
        "priority",
        "assigned_to",
        "progress_percentage",
        "current_step",
        "due_at",
        "created_at",
    ]
    list_filter = ["status", "workflow_type", "priority", "access_level", "template"]
    search_fields = ["name", "template__name"]
    autocomplete_fields = ["template", "assigned_to", "rule", "finding", "shared_with"]
    list_select_related = ["template", "assigned_to", "current_step"]
    readonly_fields = [
        "status",
        "progress_percentage",
        "current_step",
        "trigger",
        "notes_display",
        "started_at",
        "completed_at",
        "created_by",
        "escalation_role",
        "escalation_grace_hours",
        "created_at",
    ]
    form = WorkflowForm
    inlines = [WorkflowStepInline, WorkflowTransitionInline]
    actions = ["start_selected", "pause_selected", "cancel_selected", "approve_current_step"]

    @admin.display(description="Notes")
    def notes_display(self, obj):
        return format_html_join("", "<p><b>{}</b> {}: {}</p>", ((n["at"], n["author"], n["text"]) for n in obj.notes))

    @admin.action(description="Start selected draft workflows", permissions=["change"])
    def start_selected(self, request, queryset):
        _run(self, request, queryset, services.start_workflow, "Started")

    @admin.action(description="Pause selected workflows", permissions=["change"])
    def pause_selected(self, request, queryset):
        _run(self, request, queryset, services.pause_workflow, "Paused")

    @admin.action(description="Cancel selected workflows", permissions=["change"])
    def cancel_selected(self, request, queryset):
        _run(self, request, queryset, services.cancel_workflow, "Cancelled")

    @admin.action(description="Approve the current approval step", permissions=["approve_step"])
    def approve_current_step(self, request, queryset):
        for workflow in queryset.select_related("current_step"):
            if workflow.current_step is None:
                continue
            try:
                services.approve_step(
                    workflow=workflow,
                    order=workflow.current_step.order,
                    user=request.user,
                    comment="Approved in the admin.",
                )
                self.message_user(request, f"{workflow}: approved.", messages.SUCCESS)
            except (services.StepConflict, services.StepForbidden) as exc:
                self.message_user(request, f"{workflow}: {exc}", messages.WARNING)

    def has_approve_step_permission(self, request):
        return request.user.has_perm("workflows.approve_step")


@admin.register(WorkflowTrigger)
class WorkflowTriggerAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.TRIGGER_WRITES
    list_display = ["name", "event", "template", "framework", "min_severity", "rule", "is_active", "next_run_at"]
    list_filter = ["event", "is_active", "min_severity", "framework"]
    search_fields = ["name", "template__name"]
    autocomplete_fields = ["template", "framework", "rule"]
    list_select_related = ["template", "framework", "rule"]
    readonly_fields = ["next_run_at", "created_at", "updated_at"]


@admin.register(StepApproval)
class StepApprovalAdmin(admin.ModelAdmin):
    list_display = ["step", "round", "user", "decision", "created_at"]
    list_filter = ["decision"]
    search_fields = ["step__workflow__name", "user__username", "comment"]
    list_select_related = ["step", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Each user's own notification list (superusers see everyone's)."""

    list_display = ["created_at", "verb", "workflow", "message", "read_at", "recipient"]
    list_filter = ["verb", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "workflow__name"]
    list_select_related = ["workflow", "recipient"]
    readonly_fields = ["recipient", "verb", "workflow", "step", "message", "read_at", "emailed_at", "created_at"]
    actions = ["mark_selected_read"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(recipient=request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Mark selected as read", permissions=["view"])
    def mark_selected_read(self, request, queryset):
        for notification in queryset:
            mark_read(notification=notification)
