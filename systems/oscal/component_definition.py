"""OSCAL component definitions in and out: components with the controls they implement.

Import keeps what a definition says (type, title, description, purpose, responsible roles,
protocols; per control-implementation its source and description; per implemented
requirement its control-id, description, set-parameters and statements) so that import,
export, import again gives the same content apart from UUIDs and timestamps. Control ids
are kept as text: a definition may speak of a catalog we do not hold.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from compliance.oscal.common import OscalError, oscal_version, validate

from ..models import Component, ComponentDefinition, DefinedImplementation
from .common import one_line, stable_uuid

_MAX = {"title": 300, "purpose": 500}


def _text(value, limit=None):
    text = value if isinstance(value, str) else ""
    return text[:limit] if limit else text


@transaction.atomic
def import_component_definition(*, document):
    """Validate and store an OSCAL component definition; returns the ComponentDefinition."""
    from trestle.oscal.component import Model

    if not isinstance(document, dict) or not isinstance(document.get("component-definition"), dict):
        raise OscalError('Not an OSCAL component definition: the top-level object needs "component-definition".')
    body = document["component-definition"]
    validate(Model, {"component-definition": body})
    meta = body["metadata"]
    definition = ComponentDefinition.objects.create(
        title=_text(meta["title"], 300),
        version=str(meta.get("version", ""))[:100],
        source_uuid=body["uuid"],
        metadata_extra={key: meta[key] for key in ("roles", "parties") if key in meta},
        back_matter=body.get("back-matter") or {},
    )
    implementations = []
    for order, node in enumerate(body.get("components") or [], start=1):
        component = Component(
            definition=definition,
            component_type=_text(node["type"], 30),
            title=_text(node["title"], _MAX["title"]),
            description=_text(node["description"]),
            purpose=_text(node.get("purpose"), _MAX["purpose"]),
            responsible_roles=node.get("responsible-roles") or [],
            protocols=node.get("protocols") or [],
            sort_order=order,
        )
        try:
            component.full_clean(exclude=["component_type", "status"])
        except ValidationError as exc:
            raise OscalError(f"Component {order}: {'; '.join(exc.messages)}") from None
        component.save()
        for ci in node.get("control-implementations") or []:
            for n, req in enumerate(ci["implemented-requirements"], start=1):
                implementations.append(
                    DefinedImplementation(
                        component=component,
                        source=_text(ci["source"], 500),
                        set_description=_text(ci["description"]),
                        control_id=_text(req["control-id"], 100),
                        description=_text(req["description"]),
                        set_parameters=req.get("set-parameters") or [],
                        statements=req.get("statements") or [],
                        sort_order=len(implementations) + n,
                    )
                )
    DefinedImplementation.objects.bulk_create(implementations, batch_size=500)
    record_event(
        action="oscal_component_definition_imported",
        instance=definition,
        changes={"components": [None, definition.components.count()], "implementations": [None, len(implementations)]},
        message=f"OSCAL component definition {definition.title!r} imported.",
    )
    return definition


def _statements(implementation):
    statements = []
    for n, statement in enumerate(implementation.statements or [], start=1):
        node = {key: value for key, value in statement.items() if key != "uuid"}
        node["uuid"] = stable_uuid("statement", implementation.pk, n)
        statements.append(node)
    return statements


def _component(component):
    node = {
        "uuid": stable_uuid("component", component.pk),
        "type": component.component_type,
        "title": component.title,
        "description": component.description or one_line(component.title),
    }
    if component.purpose:
        node["purpose"] = component.purpose
    if component.responsible_roles:
        node["responsible-roles"] = component.responsible_roles
    if component.protocols:
        node["protocols"] = component.protocols
    groups = {}
    for implementation in component.defined_implementations.all():
        groups.setdefault((implementation.source, implementation.set_description), []).append(implementation)
    if groups:
        node["control-implementations"] = [
            {
                "uuid": stable_uuid("control-implementation", component.pk, source, description),
                "source": source,
                "description": description,
                "implemented-requirements": [_requirement(i) for i in implementations],
            }
            for (source, description), implementations in groups.items()
        ]
    return node


def _requirement(implementation):
    node = {
        "uuid": stable_uuid("defined-implementation", implementation.pk),
        "control-id": implementation.control_id,
        "description": implementation.description,
    }
    if implementation.set_parameters:
        node["set-parameters"] = implementation.set_parameters
    statements = _statements(implementation)
    if statements:
        node["statements"] = statements
    return node


def export_component_definition(*, definition):
    """Return {"component-definition": {...}}, valid against trestle's component model."""
    from trestle.oscal.component import Model

    components = definition.components.prefetch_related("defined_implementations").order_by("sort_order", "pk")
    metadata = {
        "title": definition.title,
        "last-modified": (definition.updated_at or timezone.now()).isoformat(),
        "version": definition.version or "unversioned",
        "oscal-version": oscal_version(),
        **definition.metadata_extra,
    }
    body = {"uuid": stable_uuid("component-definition", definition.pk), "metadata": metadata}
    nodes = [_component(component) for component in components]
    if nodes:
        body["components"] = nodes
    if definition.back_matter:
        body["back-matter"] = definition.back_matter
    document = {"component-definition": body}
    validate(Model, document)
    return document
