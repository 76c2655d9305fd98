"""Old values from the row as it was loaded, new values from the instance: no extra SELECT.

post_init stores a snapshot of the loaded concrete fields on audited instances only;
post_save compares against it and refreshes it. Keep `snapshot` cheap: list endpoints
load thousands of rows, and most are never saved.
"""

from .chain import json_safe
from .registry import MASK

SNAPSHOT_ATTR = "_audit_snapshot"
_MISSING = object()


def snapshot(instance, spec):
    # One C-level copy of the whole __dict__ is several times cheaper than picking the
    # fields out; the non-field keys that come along are never read.
    snap = instance.__dict__.copy()
    snap.pop(SNAPSHOT_ATTR, None)
    # JSON values are mutable in place (rule.tags.append(...)); copy them so the
    # snapshot still holds what was loaded.
    for name in spec.json_attnames:
        value = snap.get(name)
        if value and isinstance(value, (list, dict)):
            snap[name] = _json_copy(value)
    instance.__dict__[SNAPSHOT_ATTR] = snap


def _json_copy(value):
    """A deep copy of decoded JSON (lists, dicts, scalars) without copy.deepcopy's memo."""
    if isinstance(value, list):
        return [_json_copy(item) if isinstance(item, (list, dict)) else item for item in value]
    if isinstance(value, dict):
        return {key: _json_copy(item) if isinstance(item, (list, dict)) else item for key, item in value.items()}
    return value


def _shown(name, value, spec):
    if name in spec.masked:
        return MASK if value not in (None, "", {}, []) else value
    return json_safe(value)


def changes_on_create(instance, spec):
    values = instance.__dict__
    pk_attname = instance._meta.pk.attname
    return {
        name: [None, _shown(name, values[attname], spec)]
        for name, attname in spec.fields
        if attname != pk_attname and values.get(attname, _MISSING) not in (_MISSING, None, "")
    }


def changes_on_update(instance, spec, update_fields=None):
    values = instance.__dict__
    snap = values.get(SNAPSHOT_ATTR) or {}
    skipped = spec.auto_now_attnames
    changes = {}
    for name, attname in spec.fields:
        if attname in skipped or (update_fields and name not in update_fields and attname not in update_fields):
            continue
        new = values.get(attname, _MISSING)
        if new is _MISSING:
            continue  # deferred and never loaded: not written by this save
        old = snap.get(attname)
        if attname in snap and old == new:
            continue
        if name in spec.masked:
            changes[name] = [MASK, MASK]
        else:
            changes[name] = [json_safe(old), json_safe(new)]
    return changes


def changes_on_delete(instance, spec):
    values = instance.__dict__
    return {
        name: [_shown(name, values[attname], spec), None]
        for name, attname in spec.fields
        if values.get(attname, _MISSING) not in (_MISSING, None, "")
    }


def refresh_snapshot(instance, spec, update_fields=None):
    if update_fields:
        snap = dict(instance.__dict__.get(SNAPSHOT_ATTR) or {})  # copies of an instance share the old dict
        partial = {}
        for name, attname in spec.fields:
            if (name in update_fields or attname in update_fields) and attname in instance.__dict__:
                partial[attname] = instance.__dict__[attname]
        snap.update(partial)
        for name in spec.json_attnames:
            if name in partial:
                snap[name] = _json_copy(snap[name])
        instance.__dict__[SNAPSHOT_ATTR] = snap
        return
    snapshot(instance, spec)
