"""OSCAL import and export in the Django admin: a mixin for FrameworkAdmin.

Import is a page linked from the framework list; the two exports are list actions that
download JSON. All three call the same functions as the management commands.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from audit.services import record_event
from compliance.seed.tally import Tally

from .assessment_results import export_assessment_results
from .catalog_export import export_catalog
from .catalog_import import MAX_DOCUMENT_BYTES, import_catalog, load_json
from .common import OscalError


class OscalImportForm(forms.Form):
    file = forms.FileField(help_text="An OSCAL 1.x catalog in JSON.")
    framework = forms.SlugField(
        required=False,
        max_length=50,
        help_text="Framework code to import into; empty: taken from the catalog. Re-importing updates it.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB.")
        return upload


def _download(document, filename):
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class OscalAdminMixin:
    change_list_template = "admin/compliance/framework/change_list_oscal.html"
    actions = ["export_oscal_catalog", "export_oscal_assessment_results"]

    def get_urls(self):
        return [
            path(
                "import-oscal/",
                self.admin_site.admin_view(self.import_oscal_view),
                name="compliance_framework_import_oscal",
            ),
            *super().get_urls(),
        ]

    def import_oscal_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = OscalImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            tally = Tally()
            try:
                document = load_json(form.cleaned_data["file"].read())
                framework = import_catalog(
                    document=document, framework_code=form.cleaned_data["framework"] or None, tally=tally
                )
            except OscalError as exc:
                form.add_error("file", str(exc))
            else:
                self.message_user(
                    request, f"Imported into {framework.code}: " + "; ".join(tally.summary()), messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:compliance_framework_change", args=[framework.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Import an OSCAL catalog",
        }
        return TemplateResponse(request, "admin/compliance/framework/oscal_import.html", context)

    def _export(self, request, queryset, exporter, kind):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one framework to export.", messages.WARNING)
            return None
        framework = queryset.get()
        try:
            document = exporter(framework=framework)
        except OscalError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        record_event(
            action=f"oscal_{kind}_exported",
            instance=framework,
            message=f"OSCAL {kind.replace('_', ' ')} downloaded from the admin.",
        )
        return _download(document, f"{framework.code}-{kind.replace('_', '-')}.json")

    @admin.action(description="Export as OSCAL catalog (JSON)", permissions=["view"])
    def export_oscal_catalog(self, request, queryset):
        return self._export(request, queryset, export_catalog, "catalog")

    @admin.action(description="Export OSCAL assessment results (JSON)", permissions=["view"])
    def export_oscal_assessment_results(self, request, queryset):
        return self._export(request, queryset, export_assessment_results, "assessment_results")
