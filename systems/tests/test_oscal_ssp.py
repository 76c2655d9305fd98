"""SSP and component-definition exports and imports, each validated by trestle."""

import json
from pathlib import Path

import pytest

from compliance.oscal.catalog_export import export_catalog
from compliance.oscal.common import OscalError
from systems.models import ByComponent, ComponentDefinition, ImplementedRequirement
from systems.oscal.component_definition import export_component_definition, import_component_definition
from systems.oscal.ssp import export_ssp
from systems.oscal.ssp_import import import_ssp
from systems.tests.factories import implement, make_system, small_framework

pytestmark = pytest.mark.django_db

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "oscal"
EXAMPLE_COMPONENT_DEFINITION = SHARED / "example-component-definition.json"


def catalog_ids(framework):
    ids = set()

    def walk(nodes):
        for node in nodes or []:
            ids.add(node["id"])
            walk(node.get("controls"))
            walk(node.get("groups"))

    catalog = export_catalog(framework=framework)["catalog"]
    walk(catalog.get("groups"))
    walk(catalog.get("controls"))
    return ids


def control_ids_in(document):
    """Every control-id anywhere in a document: an independent walk, not the exporter's code."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "control-id":
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return found


def test_ssp_carries_characteristics_components_and_by_component_statements():
    system = make_system()
    implement(
        system,
        "acc-1",
        "Access policy is reviewed yearly.",
        **{
            "Cloud provider": {"statement": "Provider IAM", "provided": "Managed IAM", "responsibility": "Set MFA"},
            "Payments API": {"statement": "Uses provider IAM", "inherited_from": "Cloud provider"},
        },
    )
    requirement = ImplementedRequirement.objects.get(system=system, control__ref_id="acc-1")
    requirement.parameter_values = {"acc-1_prm_1": ["annually"]}
    requirement.save()
    ssp = export_ssp(system=system)["system-security-plan"]
    chars = ssp["system-characteristics"]
    assert chars["system-name"] == "Payments" and chars["security-sensitivity-level"] == "fips-199-moderate"
    assert chars["system-information"]["information-types"][0]["confidentiality-impact"]["base"] == "fips-199-high"
    titles = [c["title"] for c in ssp["system-implementation"]["components"]]
    assert titles == ["Payments", "Payments API", "Cloud provider"]  # this-system derived first
    reqs = {r["control-id"]: r for r in ssp["control-implementation"]["implemented-requirements"]}
    assert set(reqs) == {"acc-1", "acc-1.1", "acc-2", "log-1", "gov-1"}
    acc1 = reqs["acc-1"]
    assert acc1["set-parameters"] == [{"param-id": "acc-1_prm_1", "values": ["annually"]}]
    by = {bc["description"]: bc for bc in acc1["by-components"]}
    provided = by["Provider IAM"]["export"]["provided"][0]
    assert by["Provider IAM"]["export"]["responsibilities"][0]["provided-uuid"] == provided["uuid"]
    assert by["Uses provider IAM"]["inherited"][0]["provided-uuid"] == provided["uuid"]
    assert ssp["import-profile"]["href"] == "#" + ssp["back-matter"]["resources"][0]["uuid"]


def test_ssp_uuids_are_stable_across_exports():
    system = make_system()
    implement(system, "acc-1", "x", **{"Payments API": {"statement": "y"}})
    first, second = export_ssp(system=system), export_ssp(system=system)
    assert first == second


def test_every_control_id_of_the_ssp_is_in_the_catalog_it_points_to():
    system = make_system()
    ids = control_ids_in(export_ssp(system=system))
    assert ids and set(ids) <= catalog_ids(system.framework)


def test_ssp_import_brings_components_and_requirements_into_another_system():
    source = make_system()
    implement(
        source, "log-1", "Logs go to the SIEM.", **{"Payments API": {"statement": "Ships logs", "status": "partial"}}
    )
    document = export_ssp(system=source)
    target = make_system(framework=small_framework("small-2"), name="Payments copy", components=[])
    counts = import_ssp(system=target, document=document)
    assert counts["unknown_control_ids"] == [] and counts["requirements"] == 5
    assert set(target.components.values_list("title", flat=True)) == {"Payments", "Payments API", "Cloud provider"}
    imported = ByComponent.objects.get(requirement__system=target, component__title="Payments API")
    assert (imported.statement, imported.status) == ("Ships logs", "partial")
    again = import_ssp(system=target, document=document)
    assert again["components_created"] == 0
    assert (
        ByComponent.objects.filter(requirement__system=target).count()
        == imported.requirement.system.requirements.count() + 1
    )


def test_ssp_import_refuses_what_is_not_an_ssp():
    system = make_system()
    with pytest.raises(OscalError):
        import_ssp(system=system, document={"catalog": {}})
    with pytest.raises(OscalError):
        import_ssp(system=system, document={"system-security-plan": {"uuid": "nope"}})


def normalised(document):
    """The content of a component definition without uuids and timestamps."""
    if isinstance(document, dict):
        return {
            key: normalised(value)
            for key, value in document.items()
            if key not in ("uuid", "last-modified") and not key.endswith("-uuid")
        }
    if isinstance(document, list):
        return [normalised(item) for item in document]
    return document


def test_example_component_definition_round_trips():
    if not EXAMPLE_COMPONENT_DEFINITION.exists():
        pytest.skip("shared data not there")
    original = json.loads(EXAMPLE_COMPONENT_DEFINITION.read_text())
    first = import_component_definition(document=original)
    exported = export_component_definition(definition=first)
    second = import_component_definition(document=exported)
    again = export_component_definition(definition=second)
    assert normalised(exported) == normalised(again)
    body = normalised(exported)["component-definition"]
    source = normalised(original)["component-definition"]
    assert body["components"] == source["components"]
    assert body["metadata"]["title"] == source["metadata"]["title"]
    assert ComponentDefinition.objects.count() == 2
    assert first.components.get().defined_implementations.count() == 3


def test_component_definition_import_refuses_invalid_documents():
    with pytest.raises(OscalError):
        import_component_definition(document={"component-definition": {"uuid": "x"}})
    with pytest.raises(OscalError):
        import_component_definition(document=[])
    assert not ComponentDefinition.objects.exists()


def test_ssp_export_query_count_does_not_grow_with_requirements(django_assert_max_num_queries):
    system = make_system()
    for ref_id in ("acc-1", "acc-1.1", "acc-2", "log-1"):
        implement(system, ref_id, "x", **{"Payments API": {"statement": "a"}, "Cloud provider": {"statement": "b"}})
    with django_assert_max_num_queries(8):
        export_ssp(system=system)
