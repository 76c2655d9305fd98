"""Systems in the admin: components and requirements inline, every OSCAL export as an action."""

import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone

from audit.services import record_event
from compliance.oscal.common import OscalError

from . import ksi
from .models import (
    ByComponent,
    Component,
    ComponentDefinition,
    DefinedImplementation,
    ImplementedRequirement,
    KsiIndicator,
    KsiValidation,
    System,
)
from .oscal import exports
from .oscal.component_definition import export_component_definition


def _download(document, filename):
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ComponentInline(admin.TabularInline):
    model = Component
    fk_name = "system"
    fields = ["component_type", "title", "status", "responsible_role", "sort_order"]
    extra = 0
    show_change_link = True


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ["name", "impact_level", "status", "framework", "updated_at"]
    list_filter = ["impact_level", "status", "framework"]
    list_select_related = ["framework"]
    search_fields = ["name", "short_name", "description"]
    autocomplete_fields = ["framework", "data_source"]
    inlines = [ComponentInline]
    actions = ["export_ssp", "export_assessment_plan", "export_assessment_results", "export_poam", "enable_ksi"]

    def _export(self, request, queryset, kind, build, **kwargs):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one system to export.", messages.WARNING)
            return None
        system = queryset.select_related("framework").get()
        try:
            document = build(system=system, **kwargs)
        except OscalError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        record_event(action=f"oscal_{kind}_exported", instance=system, message=f"OSCAL {kind} downloaded (admin).")
        return _download(document, f"{system.pk}-{kind.replace('_', '-')}.json")

    def _period(self):
        end = timezone.now()
        return {"start": end - exports.DEFAULT_PERIOD, "end": end}

    @admin.action(description="Export OSCAL system security plan (JSON)", permissions=["view"])
    def export_ssp(self, request, queryset):
        return self._export(request, queryset, "ssp", exports.export_ssp)

    @admin.action(description="Export OSCAL assessment plan, next 30 days (JSON)", permissions=["view"])
    def export_assessment_plan(self, request, queryset):
        now = timezone.now()
        return self._export(
            request,
            queryset,
            "assessment_plan",
            exports.export_assessment_plan,
            start=now,
            end=now + exports.DEFAULT_PERIOD,
        )

    @admin.action(description="Export OSCAL assessment results, last 30 days (JSON)", permissions=["view"])
    def export_assessment_results(self, request, queryset):
        return self._export(request, queryset, "assessment_results", exports.export_system_results, **self._period())

    @admin.action(description="Enable the FedRAMP 20x Key Security Indicators", permissions=["change"])
    def enable_ksi(self, request, queryset):
        try:
            added = sum(ksi.enable_ksi(system=system) for system in queryset)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{added} indicator(s) added.", messages.SUCCESS)

    @admin.action(description="Export OSCAL POA&M (JSON)", permissions=["view"])
    def export_poam(self, request, queryset):
        return self._export(request, queryset, "poam", exports.export_poam)


class ByComponentInline(admin.TabularInline):
    model = ByComponent
    fk_name = "requirement"
    fields = ["component", "statement", "status", "responsible_role", "inherited_from", "provided", "responsibility"]
    extra = 0


@admin.register(ImplementedRequirement)
class ImplementedRequirementAdmin(admin.ModelAdmin):
    list_display = ["control", "system", "status", "responsible_role"]
    list_filter = ["status", "system"]
    list_select_related = ["control", "system"]
    search_fields = ["control__ref_id", "control__title", "statement"]
    autocomplete_fields = ["control"]
    inlines = [ByComponentInline]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["title", "component_type", "status", "system", "definition"]
    list_filter = ["component_type", "status"]
    list_select_related = ["system", "definition"]
    search_fields = ["title", "description"]
    filter_horizontal = ["rules", "data_sources"]


class DefinedImplementationInline(admin.TabularInline):
    model = DefinedImplementation
    fields = ["control_id", "description", "source"]
    extra = 0


@admin.register(ComponentDefinition)
class ComponentDefinitionAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "created_at"]
    search_fields = ["title"]
    actions = ["export_component_definition"]

    @admin.action(description="Export OSCAL component definition (JSON)", permissions=["view"])
    def export_component_definition(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one component definition.", messages.WARNING)
            return None
        definition = queryset.get()
        document = export_component_definition(definition=definition)
        record_event(action="oscal_component_definition_exported", instance=definition, message="Downloaded (admin).")
        return _download(document, f"component-definition-{definition.pk}.json")


class KsiValidationInline(admin.TabularInline):
    model = KsiValidation
    fields = ["kind", "validated_at", "passed", "notes"]
    extra = 0


@admin.register(KsiIndicator)
class KsiIndicatorAdmin(admin.ModelAdmin):
    list_display = ["control", "system", "mode"]
    list_filter = ["mode", "system"]
    list_select_related = ["control", "system"]
    search_fields = ["control__ref_id", "control__title"]
    raw_id_fields = ["control", "rule"]
    inlines = [KsiValidationInline]
