"""Systems built through the real services, on the small OSCAL fixture catalog."""

import json
from pathlib import Path

from compliance.oscal.catalog_import import import_catalog
from compliance.seed.tally import Tally
from systems.models import ByComponent, ImplementedRequirement
from systems.services import create_system

CATALOG = Path(__file__).resolve().parents[2] / "compliance" / "tests" / "fixtures" / "oscal_small_catalog.json"


def small_framework(code="small"):
    return import_catalog(document=json.loads(CATALOG.read_text()), framework_code=code, tally=Tally())


def make_system(framework=None, name="Payments", **extra):
    framework = framework or small_framework()
    data = {
        "name": name,
        "description": "Card payments service",
        "authorization_boundary": "The payments VPC and its managed services.",
        "impact_level": "moderate",
        "framework": framework,
        "information_types": [{"title": "Cardholder data", "description": "PANs", "confidentiality": "high"}],
        "responsible_parties": [{"role": "System Owner", "party": "Ada Lovelace"}],
        "components": [
            {"title": "Payments API", "component_type": "software", "responsible_role": "developer"},
            {"title": "Cloud provider", "component_type": "service", "responsible_role": "provider"},
        ],
        **extra,
    }
    return create_system(data=data)


def implement(system, ref_id, statement="", **by_component):
    """Describe one requirement; by_component maps component title -> dict of ByComponent fields."""
    requirement = ImplementedRequirement.objects.get(system=system, control__ref_id=ref_id)
    requirement.statement = statement
    requirement.status = "implemented"
    requirement.save()
    components = {c.title: c for c in system.components.all()}
    for title, fields in by_component.items():
        fields = dict(fields)
        if "inherited_from" in fields:
            fields["inherited_from"] = components[fields["inherited_from"]]
        ByComponent.objects.create(requirement=requirement, component=components[title], **fields)
    return requirement
