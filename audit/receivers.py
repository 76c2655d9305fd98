"""Signal receivers: model changes of audited models, and sign-in events.

Connected per audited model (sender=...) so unaudited models pay nothing, not even a
post_init call.
"""

from django.contrib.auth import signals as auth_signals
from django.db import connections, router, transaction
from django.db.models import signals

from common.signals import access_denied

from . import diff
from .services import record_event, record_permission_denied

_M2M_CLEARED_ATTR = "_audit_m2m_cleared"


def _on_post_init(sender, instance, **kwargs):
    diff.snapshot(instance, _SPECS[sender])


def _on_post_save(sender, instance, created, update_fields=None, **kwargs):
    spec = _SPECS[sender]
    if created:
        record_event(action="create", instance=instance, changes=diff.changes_on_create(instance, spec))
    else:
        changes = diff.changes_on_update(instance, spec, update_fields)
        if changes:  # a save that changed nothing is not an event
            record_event(action="update", instance=instance, changes=changes)
    diff.refresh_snapshot(instance, spec, update_fields)


def _on_post_delete(sender, instance, **kwargs):
    record_event(action="delete", instance=instance, changes=diff.changes_on_delete(instance, _SPECS[sender]))


def _on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    field_name = _M2M_FIELDS.get((sender, reverse))
    if field_name is None or type(instance) not in _SPECS:
        return
    if action == "pre_clear":
        # post_clear does not say what was removed; read it while it is still there.
        manager = getattr(instance, field_name)
        instance.__dict__[_M2M_CLEARED_ATTR] = sorted(manager.values_list("pk", flat=True))
        return
    if action == "post_clear":
        removed = instance.__dict__.pop(_M2M_CLEARED_ATTR, [])
        if removed:
            record_event(action="update", instance=instance, changes={field_name: {"added": [], "removed": removed}})
    elif action in ("post_add", "post_remove") and pk_set:
        key = "added" if action == "post_add" else "removed"
        other = "removed" if key == "added" else "added"
        record_event(action="update", instance=instance, changes={field_name: {key: sorted(pk_set), other: []}})


def _atomic_save_base(original):
    """Wrap save_base so post_save (and so the audit entry) runs inside the save's transaction.

    Django sends post_save after its own transaction has closed when there is no outer
    atomic block; without this, an autocommit save (a DRF generic view, the shell)
    would commit the change even if writing its entry failed.
    """

    def save_base(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        conn = connections[using]
        if conn.in_atomic_block:  # a service's transaction already covers both
            return original(self, *args, **kwargs)
        if hasattr(conn, "fold_next_begin"):
            conn.fold_next_begin()  # BEGIN goes with the save's statement: no round trip of its own
        with transaction.atomic(using=using, savepoint=False):
            return original(self, *args, **kwargs)

    save_base._audit_atomic = True
    return save_base


_SPECS = {}
_M2M_FIELDS = {}


def _map_m2m(model, m2m):
    """Name the change on both sides of `m2m` (declared on `model`) for the sides audited."""
    through = m2m.remote_field.through
    if model in _SPECS:
        _M2M_FIELDS[(through, False)] = m2m.name
    accessor = m2m.remote_field.get_accessor_name()
    if m2m.related_model in _SPECS and accessor:
        _M2M_FIELDS[(through, True)] = accessor


def connect_model(model, spec):
    """Start auditing `model` (audit.registry.register calls this)."""
    _SPECS[model] = spec
    uid = f"audit:{spec.label}"
    signals.post_init.connect(_on_post_init, sender=model, dispatch_uid=f"{uid}:init")
    signals.post_save.connect(_on_post_save, sender=model, dispatch_uid=f"{uid}:save")
    signals.post_delete.connect(_on_post_delete, sender=model, dispatch_uid=f"{uid}:delete")
    if not getattr(model.save_base, "_audit_atomic", False):
        model.save_base = _atomic_save_base(model.save_base)
    for m2m in model._meta.many_to_many:
        _map_m2m(model, m2m)
        signals.m2m_changed.connect(
            _on_m2m_changed, sender=m2m.remote_field.through, dispatch_uid=f"{uid}:m2m:{m2m.name}"
        )
    # Models registered earlier whose many-to-many fields point here: their reverse side is
    # audited now (apps register in INSTALLED_APPS order, so either side may come first).
    for other in list(_SPECS):
        for m2m in other._meta.many_to_many:
            if m2m.related_model is model and other is not model:
                _map_m2m(other, m2m)


def disconnect_model(model):
    """Stop auditing `model` in this process (the benchmark's unaudited baseline)."""
    spec = _SPECS.pop(model)
    uid = f"audit:{spec.label}"
    signals.post_init.disconnect(sender=model, dispatch_uid=f"{uid}:init")
    signals.post_save.disconnect(sender=model, dispatch_uid=f"{uid}:save")
    signals.post_delete.disconnect(sender=model, dispatch_uid=f"{uid}:delete")
    if "save_base" in vars(model):
        del model.save_base
    for m2m in model._meta.many_to_many:
        signals.m2m_changed.disconnect(sender=m2m.remote_field.through, dispatch_uid=f"{uid}:m2m:{m2m.name}")
    return spec


# --- sign-in events ----------------------------------------------------------------------
def _on_logged_in(sender, request, user, **kwargs):
    record_event(action="login", instance=user, actor=user, message=f"{user.get_username()} signed in.")


def _on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(action="logout", instance=user, actor=user, message=f"{user.get_username()} signed out.")


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced secret-looking credentials with asterisks.
    username = str(credentials.get("username", ""))[:150]
    record_event(
        action="login_failed",
        actor=None,
        changes={"username": [None, username]},
        message=f"Failed sign-in for {username!r}.",
    )


def _on_access_denied(sender, request, reason="", **kwargs):
    record_permission_denied(request=request, reason=reason)


def connect_auth():
    access_denied.connect(_on_access_denied, dispatch_uid="audit:access_denied")
    auth_signals.user_logged_in.connect(_on_logged_in, dispatch_uid="audit:login")
    auth_signals.user_logged_out.connect(_on_logged_out, dispatch_uid="audit:logout")
    auth_signals.user_login_failed.connect(_on_login_failed, dispatch_uid="audit:login_failed")
