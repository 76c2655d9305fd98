"""One door per write: the API, the admin, commands and tasks call the same service functions.

An app's services.py offers, per model, `create_<noun>(*, data, actor=None)`,
`update_<noun>(*, <noun>, changes, actor=None)` and `delete_<noun>(*, <noun>, actor=None)`,
keyword-only and atomic, holding the model's invariants and side effects (a refusal is a
ValidationError naming the field, or a common.exceptions.ConflictError). A delete that
can be refused says why beforehand through `refuse_delete(instance)`, so the admin can
show it on its confirmation page instead of failing after it. `ModelWrites` names the
three so common.api.writes.ServiceWritesMixin (API views) and common.admin.ServiceWritesAdmin
(admin pages) can route every create, change and delete through them. The helpers below
are the plain body most services share.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelWrites:
    noun: str  # the keyword the update and delete services take the instance by
    create: Callable
    update: Callable
    delete: Callable
    refuse_delete: Callable = None  # instance -> why it cannot be deleted now, or None

    def create_from(self, *, data, actor=None):
        return self.create(data=data, actor=actor)

    def update_from(self, *, instance, changes, actor=None):
        return self.update(**{self.noun: instance}, changes=changes, actor=actor)

    def delete_from(self, *, instance, actor=None):
        return self.delete(**{self.noun: instance}, actor=actor)


def _split(model, data):
    many = {field.name for field in model._meta.many_to_many}
    return (
        {name: value for name, value in data.items() if name not in many},
        {name: value for name, value in data.items() if name in many},
    )


def create_row(model, data, *, check=None):
    """Save a new `model` row from `data` (field name -> value), then its many-to-many fields.

    The row's own invariants (Model.clean) and `check(instance, data)`, for those that
    need the many-to-many values, run before anything is written.
    """
    fields, related = _split(model, data)
    instance = model(**fields)
    instance.clean()
    if check is not None:
        check(instance, data)
    instance.save()
    for name, values in related.items():
        getattr(instance, name).set(values)
    return instance


def update_row(instance, changes, *, check=None):
    """Apply `changes` to `instance` (clean() and `check` first, as create_row), save it, then
    set the many-to-many fields named."""
    fields, related = _split(type(instance), changes)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.clean()
    if check is not None:
        check(instance, changes)
    instance.save()
    for name, values in related.items():
        getattr(instance, name).set(values)
    return instance
