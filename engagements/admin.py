"""Engagement admin: the engagement is edited through its services; the work inside it
(populations, samples, requests, sign-offs) is shown read-only, as the API writes it."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin, ServiceWritesAdmin

from . import services
from .models import Engagement, EvidenceRequest, Population, Sample, SignOff


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


class PopulationInline(_ReadOnlyInline):
    model = Population
    fields = ["control", "kind", "size", "sha256", "frozen_at", "frozen_by"]
    readonly_fields = fields


class SignOffInline(_ReadOnlyInline):
    model = SignOff
    fields = ["control", "result", "note", "finding", "signed_by", "signed_at"]
    readonly_fields = fields


@admin.register(Engagement)
class EngagementAdmin(ServiceWritesAdmin, admin.ModelAdmin):
    writes = services.ENGAGEMENT_WRITES
    list_display = ["name", "framework", "period_start", "period_end", "status"]
    list_filter = ["status", "framework"]
    search_fields = ["name"]
    autocomplete_fields = ["framework", "controls", "auditors"]
    list_select_related = ["framework"]
    fields = ["name", "framework", "controls", "period_start", "period_end", "auditors", "status"]
    inlines = [PopulationInline, SignOffInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Population)
class PopulationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["engagement", "control", "kind", "size", "sha256", "frozen_at"]
    list_filter = ["kind"]
    list_select_related = ["engagement", "control"]
    exclude = ["members"]


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["engagement", "population", "size", "frequency", "seed", "drawn_at"]
    list_filter = ["frequency"]
    list_select_related = ["engagement", "population"]


@admin.register(EvidenceRequest)
class EvidenceRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "engagement", "control", "assignee", "due_at", "status"]
    list_filter = ["status"]
    search_fields = ["title", "description"]
    list_select_related = ["engagement", "control", "assignee"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["engagement", "control", "result", "signed_by", "signed_at"]
    list_filter = ["result"]
    list_select_related = ["engagement", "control", "signed_by"]
