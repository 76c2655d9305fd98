"""Writes of systems, their components and the controls in their scope (one door each)."""

from django.db import transaction

from audit.services import record_event
from common.writes import ModelWrites, create_row, update_row
from compliance.models import Control

from .models import Component, ImplementedRequirement, System

_COMPONENT_FIELDS = ("component_type", "title", "description", "purpose", "status", "responsible_role")


def _save_components(system, components):
    """Make the system's components exactly `components` (dicts), matched by title."""
    existing = {component.title: component for component in system.components.all()}
    keep = set()
    for order, data in enumerate(components, start=1):
        values = {name: data[name] for name in _COMPONENT_FIELDS if name in data}
        values["sort_order"] = order
        component = existing.get(data["title"])
        if component is None:
            component = create_row(Component, {**values, "system": system})
        else:
            update_row(component, values)
        keep.add(component.pk)
    for component in existing.values():
        if component.pk not in keep:
            component.delete()


@transaction.atomic
def create_system(*, data, actor=None):
    """Create a system (and its components, if given) with every control of its framework in scope."""
    data = dict(data)
    components = data.pop("components", None)
    system = create_row(System, data)
    if components:
        _save_components(system, components)
    scope_system(system=system)
    return system


@transaction.atomic
def update_system(*, system, changes, actor=None):
    changes = dict(changes)
    components = changes.pop("components", None)
    framework_changed = "framework" in changes and changes["framework"].pk != system.framework_id
    update_row(system, changes)
    if components is not None:
        _save_components(system, components)
    if framework_changed:
        system.requirements.exclude(control__framework=system.framework).delete()
        scope_system(system=system)
    return system


@transaction.atomic
def delete_system(*, system, actor=None):
    system.delete()


SYSTEM_WRITES = ModelWrites("system", create_system, update_system, delete_system)


@transaction.atomic
def scope_system(*, system):
    """Put every testable control of the system's framework in scope (planned), once.

    Returns how many requirements were added. Existing requirements keep their content.
    """
    have = set(system.requirements.values_list("control_id", flat=True))
    new = [
        ImplementedRequirement(system=system, control_id=pk)
        for pk in Control.objects.filter(framework=system.framework_id, is_group=False)
        .order_by("sort_order", "ref_id")
        .values_list("pk", flat=True)
        if pk not in have
    ]
    ImplementedRequirement.objects.bulk_create(new, batch_size=500)
    if new:
        record_event(
            action="update",
            instance=system,
            changes={"requirements_added": [None, len(new)]},
            message=f"{len(new)} control(s) of {system.framework.code} put in the scope of {system.name}.",
        )
    return len(new)
