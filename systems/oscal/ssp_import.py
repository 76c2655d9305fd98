"""Importing an SSP produced elsewhere into a system: its components and implemented requirements.

Components are matched by title (created or updated); each implemented requirement's
control-id is looked up among the system framework's controls (by the ids its catalog
export uses, then by ref_id); its set-parameters become parameter values and each
by-component statement a ByComponent of the matching component. Control ids the framework
does not have are reported back, not guessed.
"""

from django.db import transaction

from audit.services import record_event
from compliance.models import Control
from compliance.oscal.common import OscalError, validate

from ..choices import ComponentStatus, ComponentType, ImplementationStatus
from ..models import ByComponent, Component, ImplementedRequirement
from .common import control_ids

_TYPES = set(ComponentType.values)
_COMPONENT_STATUSES = set(ComponentStatus.values)
_IMPLEMENTATION_STATUSES = set(ImplementationStatus.values)


def _state(node, allowed, default):
    state = ((node or {}).get("implementation-status") or node.get("status") or {}).get("state")
    return state if state in allowed else default


@transaction.atomic
def import_ssp(*, system, document):
    """Merge an SSP's components and implemented requirements into `system`; returns counts."""
    from trestle.oscal.ssp import Model

    if not isinstance(document, dict) or not isinstance(document.get("system-security-plan"), dict):
        raise OscalError('Not an OSCAL SSP: the top-level object needs a "system-security-plan" member.')
    body = document["system-security-plan"]
    validate(Model, {"system-security-plan": body})
    components = {c.title: c for c in system.components.all()}
    by_uuid = {}
    created = 0
    for order, node in enumerate(body["system-implementation"]["components"], start=1):
        title = node["title"][:300]
        values = {
            "component_type": node["type"] if node["type"] in _TYPES else ComponentType.SOFTWARE,
            "description": node["description"],
            "purpose": (node.get("purpose") or "")[:500],
            "status": node["status"]["state"] if node["status"]["state"] in _COMPONENT_STATUSES else "other",
            "responsible_role": ((node.get("responsible-roles") or [{}])[0].get("role-id") or "")[:100],
        }
        component = components.get(title)
        if component is None:
            component = Component.objects.create(
                system=system, title=title, sort_order=len(components) + order, **values
            )
            components[title] = component
            created += 1
        else:
            for name, value in values.items():
                setattr(component, name, value)
            component.save()
        by_uuid[node["uuid"]] = component

    framework_ids = {token: pk for pk, token in control_ids(system.framework).items()}
    framework_ids.update(
        {ref: pk for pk, ref in Control.objects.filter(framework=system.framework).values_list("pk", "ref_id")}
    )
    requirements = {r.control_id: r for r in system.requirements.all()}
    unknown, imported, statements = [], 0, 0
    for node in body["control-implementation"]["implemented-requirements"]:
        control_pk = framework_ids.get(node["control-id"])
        if control_pk is None:
            unknown.append(node["control-id"])
            continue
        requirement = requirements.get(control_pk) or ImplementedRequirement(system=system, control_id=control_pk)
        params = {p["param-id"]: p["values"] for p in node.get("set-parameters") or []}
        if params:
            requirement.parameter_values = {**requirement.parameter_values, **params}
        roles = node.get("responsible-roles") or []
        if roles:
            requirement.responsible_role = roles[0]["role-id"][:100]
        requirement.save()
        requirements[control_pk] = requirement
        imported += 1
        for bc in node.get("by-components") or []:
            component = by_uuid.get(bc["component-uuid"])
            if component is None:
                continue
            ByComponent.objects.update_or_create(
                requirement=requirement,
                component=component,
                defaults={
                    "statement": bc["description"],
                    "status": _state(bc, _IMPLEMENTATION_STATUSES, ImplementationStatus.IMPLEMENTED),
                    "responsible_role": ((bc.get("responsible-roles") or [{}])[0].get("role-id") or "")[:100],
                    "provided": "\n".join(p["description"] for p in (bc.get("export") or {}).get("provided") or []),
                    "responsibility": "\n".join(
                        r["description"] for r in (bc.get("export") or {}).get("responsibilities") or []
                    ),
                },
            )
            statements += 1
    counts = {
        "components_created": created,
        "components": len(by_uuid),
        "requirements": imported,
        "statements": statements,
        "unknown_control_ids": unknown,
    }
    record_event(action="oscal_ssp_imported", instance=system, changes={k: [None, v] for k, v in counts.items()})
    return counts
