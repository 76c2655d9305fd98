"""The assessment plan of a system: scope (controls, components), the rules as activities, the schedule."""

from compliance.oscal.common import validate

from ..models import ImplementedRequirement
from .common import catalog_resource, control_ids, metadata, one_line, prop, stable_uuid
from .scope import system_rules
from .ssp import component_uuid


def _activity(rule, ids):
    node = {
        "uuid": stable_uuid("activity", rule.pk),
        "title": one_line(rule.name, f"Rule {rule.pk}"),
        "description": one_line(rule.description, f"Evaluate rule {rule.name}."),
        "props": [
            prop("method", "EXAMINE" if rule.rule_type in ("policy", "manual", "documentation") else "TEST"),
            prop("rule-type", rule.rule_type),
            prop("severity", rule.severity),
        ],
    }
    controls = [ids[c.pk] for c in rule.controls.all() if c.pk in ids]
    if controls:
        node["related-controls"] = {"control-selections": [{"include-controls": [{"control-id": c} for c in controls]}]}
    return node


def export_assessment_plan(*, system, start, end):
    """Return {"assessment-plan": {...}} for the period [start, end], validated with trestle."""
    from trestle.oscal.assessment_plan import Model

    ids = control_ids(system.framework)
    rules = list(system_rules(system).filter(is_active=True).prefetch_related("controls").order_by("name", "pk"))
    in_scope = [
        ids[pk]
        for pk in ImplementedRequirement.objects.in_scope(system)
        .order_by("control__sort_order")
        .values_list("control_id", flat=True)
    ]
    components = list(system.components.all())
    activities = [_activity(rule, ids) for rule in rules]
    ssp_resource = {
        "uuid": stable_uuid("ssp-resource", system.pk),
        "title": one_line(f"System security plan: {system.name}"),
        "props": [prop("ssp-uuid", stable_uuid("ssp", system.pk))],
        "rlinks": [{"href": f"/api/v1/systems/{system.pk}/oscal/ssp/", "media-type": "application/oscal.ssp+json"}],
    }
    plan = {
        "uuid": stable_uuid("assessment-plan", system.pk, start.date().isoformat(), end.date().isoformat()),
        "metadata": metadata(title=f"Assessment plan: {system.name}", last_modified=end, system=system),
        "import-ssp": {"href": f"#{ssp_resource['uuid']}"},
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": c} for c in in_scope]} if in_scope else {"include-all": {}}
            ]
        },
        "terms-and-conditions": {
            "parts": [
                {
                    "name": "assessment-period",
                    "title": "Assessment period",
                    "prose": f"From {start.isoformat()} to {end.isoformat()}; rules are evaluated continuously.",
                }
            ]
        },
        "back-matter": {"resources": [ssp_resource, catalog_resource(system.framework)]},
    }
    if activities:
        plan["local-definitions"] = {"activities": activities}
    if components:
        plan["assessment-subjects"] = [
            {
                "type": "component",
                "include-subjects": [{"subject-uuid": component_uuid(c), "type": "component"} for c in components],
            }
        ]
    schedule = {
        "uuid": stable_uuid("task", "assessment-period", system.pk, start.date().isoformat()),
        "type": "milestone",
        "title": "Assessment period",
        "timing": {"within-date-range": {"start": start.isoformat(), "end": end.isoformat()}},
    }
    if activities:
        schedule["associated-activities"] = [
            {"activity-uuid": a["uuid"], "subjects": [{"type": "component", "include-all": {}}]} for a in activities
        ]
    plan["tasks"] = [schedule]
    document = {"assessment-plan": plan}
    validate(Model, document)
    return document
