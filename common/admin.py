"""Admin mixins shared by every app."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect

from .exceptions import ConflictError


class ReadOnlyAdminMixin:
    """For rows written by services and never edited by hand (evaluations, logs, the audit trail)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceWritesAdmin:
    """Mix into a ModelAdmin and set `writes` (a common.writes.ModelWrites): the admin's
    saves and deletes go through the app's services, as the API's do.

    Refusals are shown on the page: the model's own invariants as form errors (services and
    ModelForms share Model.clean()), any other ValidationError or ConflictError of a service
    as an error message, and a delete the service would refuse as a protected object on the
    confirmation page. Inlines keep Django's own saving (ours only show history).
    """

    writes = None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin wraps the save in a transaction: a refusal from a service rolls it back
        # here; show why instead of a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, ConflictError) as exc:
            reasons = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            self.message_user(request, "Not saved: " + " ".join(reasons), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        if change:
            changes = {name: data[name] for name in form.changed_data if name in data}
            self.writes.update_from(instance=obj, changes=changes, actor=request.user)
        else:
            created = self.writes.create_from(data=data, actor=request.user)
            # The admin goes on with its own instance (messages, log entry, redirect).
            obj.pk, obj._state.adding, obj._state.db = created.pk, False, created._state.db

    def save_related(self, request, form, formsets, change):
        # The service has set the many-to-many fields; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.writes.delete_from(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.writes.delete_from(instance=obj, actor=request.user)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refuse = self.writes.refuse_delete
        if refuse is not None:
            protected = [*protected, *(f"{obj}: {reason}" for obj in objs if (reason := refuse(obj)))]
        return deleted, counts, perms_needed, protected


class VisibleToAdminMixin:
    """For models with an access-level read policy (common.access): rows the user may not
    read do not exist in the admin either; their change, delete and history pages are 404s
    (Django's admin would redirect a missing object to the index)."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def _visible_or_404(self, request, object_id):
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404(f"No such {self.model._meta.verbose_name}.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)
