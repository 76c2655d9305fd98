"""The system security plan (SSP) of a system, from live data.

system-characteristics from the System; system-implementation from its components (a
``this-system`` component is derived when none is declared, since every requirement's own
statement needs a component to hang on); control-implementation from its implemented
requirements, each with its by-component statements, inheritance from provider components
(``inherited``) and what a component provides to and leaves to its customers (``export``).
The import-profile points at the framework's catalog in back-matter.
"""

from django.db.models import Max

from compliance.oscal.common import validate

from ..models import ByComponent, ImplementedRequirement
from .common import (
    catalog_resource,
    control_ids,
    metadata,
    one_line,
    prop,
    responsible_parties,
    role_id,
    stable_uuid,
)

_IMPACT = {"low": "fips-199-low", "moderate": "fips-199-moderate", "high": "fips-199-high"}


def _last_modified(system):
    stamps = [
        system.updated_at,
        system.components.aggregate(m=Max("updated_at"))["m"],
        system.requirements.aggregate(m=Max("updated_at"))["m"],
    ]
    return max(stamp for stamp in stamps if stamp is not None)


def _information_types(system):
    level = _IMPACT[system.impact_level]
    types = []
    for entry in system.information_types or []:
        title = one_line(entry.get("title"), "Information")
        types.append(
            {
                "uuid": stable_uuid("information-type", system.pk, title),
                "title": title,
                "description": one_line(entry.get("description"), title),
                **{
                    f"{objective}-impact": {"base": _IMPACT.get(entry.get(objective), level)}
                    for objective in ("confidentiality", "integrity", "availability")
                },
            }
        )
    return types or [
        {
            "uuid": stable_uuid("information-type", system.pk, "default"),
            "title": "System information",
            "description": "Information processed, stored and transmitted by the system.",
            **{f"{o}-impact": {"base": level} for o in ("confidentiality", "integrity", "availability")},
        }
    ]


def this_system_uuid(system):
    return stable_uuid("component", "this-system", system.pk)


def component_uuid(component):
    return stable_uuid("component", component.pk)


def _component(component):
    node = {
        "uuid": component_uuid(component),
        "type": component.component_type,
        "title": one_line(component.title, "Component"),
        "description": one_line(component.description, component.title),
        "status": {"state": component.status},
    }
    if component.purpose:
        node["purpose"] = one_line(component.purpose)
    if component.responsible_role:
        node["responsible-roles"] = [{"role-id": role_id(component.responsible_role)}]
    return node


def _set_parameters(values):
    return [
        {"param-id": param_id, "values": [str(v) for v in (vals if isinstance(vals, list) else [vals])]}
        for param_id, vals in sorted((values or {}).items())
        if vals not in (None, "", [])
    ]


# Read as plain values: a MODERATE SSP has ~300 requirements and ~600 by-components, and
# model instances (with the audit trail's snapshots) cost most of the export's time.
_REQUIREMENT_FIELDS = ("pk", "control_id", "status", "responsible_role", "parameter_values", "statement")
_BY_COMPONENT_FIELDS = (
    "pk",
    "requirement_id",
    "requirement__control_id",
    "component_id",
    "statement",
    "status",
    "responsible_role",
    "inherited_from_id",
    "inherited_from__title",
    "provided",
    "responsibility",
)


def _by_component(bc):
    control_id = bc["requirement__control_id"]
    node = {
        "component-uuid": stable_uuid("component", bc["component_id"]),
        "uuid": stable_uuid("by-component", bc["pk"]),
        "description": bc["statement"].strip() or "No statement recorded.",
        "implementation-status": {"state": bc["status"]},
    }
    if bc["responsible_role"]:
        node["responsible-roles"] = [{"role-id": role_id(bc["responsible_role"])}]
    if bc["inherited_from_id"]:
        node["inherited"] = [
            {
                "uuid": stable_uuid("inherited", bc["pk"]),
                "provided-uuid": stable_uuid("provided", bc["inherited_from_id"], control_id),
                "description": f"Inherited from {one_line(bc['inherited_from__title'])}.",
            }
        ]
    export = {}
    if bc["provided"].strip():
        export["provided"] = [
            {"uuid": stable_uuid("provided", bc["component_id"], control_id), "description": bc["provided"].strip()}
        ]
    if bc["responsibility"].strip():
        responsibility = {"uuid": stable_uuid("responsibility", bc["pk"]), "description": bc["responsibility"].strip()}
        if "provided" in export:
            responsibility["provided-uuid"] = export["provided"][0]["uuid"]
        export["responsibilities"] = [responsibility]
    if export:
        node["export"] = export
    return node


def _requirement(requirement, control_id, this_system, by_components):
    node = {"uuid": stable_uuid("implemented-requirement", requirement["pk"])}
    node["control-id"] = control_id
    node["props"] = [prop("implementation-status", requirement["status"])]
    params = _set_parameters(requirement["parameter_values"])
    if params:
        node["set-parameters"] = params
    if requirement["responsible_role"]:
        node["responsible-roles"] = [{"role-id": role_id(requirement["responsible_role"])}]
    nodes = []
    if requirement["statement"].strip() or not by_components:
        nodes.append(
            {
                "component-uuid": this_system,
                "uuid": stable_uuid("by-component", "this-system", requirement["pk"]),
                "description": requirement["statement"].strip() or "Implementation not yet described.",
                "implementation-status": {"state": requirement["status"]},
            }
        )
    nodes.extend(_by_component(bc) for bc in by_components)
    node["by-components"] = nodes
    return node


def requirements_of(system):
    """(requirement rows, {requirement pk: [by-component rows]}) as plain values, in control order."""
    requirements = list(
        ImplementedRequirement.objects.in_scope(system)
        .order_by("control__sort_order", "control__ref_id", "pk")
        .values(*_REQUIREMENT_FIELDS)
    )
    by_requirement = {}
    for bc in (
        ByComponent.objects.filter(requirement__in=ImplementedRequirement.objects.in_scope(system))
        .order_by("component__sort_order", "component__title", "pk")
        .values(*_BY_COMPONENT_FIELDS)
    ):
        by_requirement.setdefault(bc["requirement_id"], []).append(bc)
    return requirements, by_requirement


def build_ssp(*, system):
    """The SSP as a plain dict, not yet validated (export_ssp validates it)."""
    framework = system.framework
    ids = control_ids(framework)
    components = list(system.components.all())
    requirements, by_requirement = requirements_of(system)
    this_system = next(
        (component_uuid(c) for c in components if c.component_type == "this-system"), this_system_uuid(system)
    )
    nodes = [_component(c) for c in components]
    if this_system == this_system_uuid(system):
        nodes.insert(
            0,
            {
                "uuid": this_system,
                "type": "this-system",
                "title": one_line(system.name),
                "description": one_line(system.description, system.name),
                "status": {"state": "operational" if system.status == "operational" else "under-development"},
            },
        )
    roles = ["system administrator"] + [r["responsible_role"] for r in requirements]
    roles += [c.responsible_role for c in components]
    roles += [bc["responsible_role"] for rows in by_requirement.values() for bc in rows]
    level = _IMPACT[system.impact_level]
    characteristics = {
        "system-ids": [{"identifier-type": "https://ietf.org/rfc/rfc4122", "id": stable_uuid("system", system.pk)}],
        "system-name": one_line(system.name),
        "description": one_line(system.description, system.name),
        "security-sensitivity-level": level,
        "system-information": {"information-types": _information_types(system)},
        "security-impact-level": {
            "security-objective-confidentiality": level,
            "security-objective-integrity": level,
            "security-objective-availability": level,
        },
        "status": {"state": system.status},
        "authorization-boundary": {
            "description": system.authorization_boundary.strip() or "Not yet described.",
        },
    }
    if system.short_name:
        characteristics["system-name-short"] = one_line(system.short_name)
    parties = responsible_parties(system)
    if parties:
        characteristics["responsible-parties"] = parties
    resource = catalog_resource(framework)
    return {
        "system-security-plan": {
            "uuid": stable_uuid("ssp", system.pk),
            "metadata": metadata(
                title=f"System security plan: {system.name}",
                last_modified=_last_modified(system),
                system=system,
                roles=roles,
            ),
            "import-profile": {"href": f"#{resource['uuid']}"},
            "system-characteristics": characteristics,
            "system-implementation": {
                "users": [
                    {
                        "uuid": stable_uuid("user", system.pk, "administrators"),
                        "title": "System administrators",
                        "role-ids": [role_id("system administrator")],
                    }
                ],
                "components": nodes,
            },
            "control-implementation": {
                "description": one_line(
                    f"How {system.name} implements the {len(requirements)} controls of {framework.name} in its scope."
                ),
                "implemented-requirements": [
                    _requirement(r, ids[r["control_id"]], this_system, by_requirement.get(r["pk"], []))
                    for r in requirements
                ],
            },
            "back-matter": {"resources": [resource]},
        }
    }


def export_ssp(*, system):
    """Return {"system-security-plan": {...}}, valid against trestle's SSP model."""
    from trestle.oscal.ssp import Model

    document = build_ssp(system=system)
    validate(Model, document)
    return document
