"""Writing a Framework out as an OSCAL catalog, validated before it is returned.

Families whose parent is a family (or nothing) become groups; everything else becomes a
control, nested under its parent control as an enhancement. A family that cannot be an
OSCAL group where it stands travels as a control with our ``is-group`` prop. ref_ids that are valid OSCAL
ids are used as ids unchanged; the others get a derived id and keep their ref_id in a
namespaced ``ref-id`` prop, which import_catalog reads back, so a round trip keeps them.
"""

import uuid
from collections import defaultdict

from compliance.models import Control

from .common import NAMESPACE, TokenAllocator, oscal_version, ref_prop, stable_uuid, validate


def _one_line(text, fallback):
    line = " ".join((text or "").split())
    return line or fallback


def control_tokens(controls):
    """{control pk: OSCAL id} for controls in export order; shared by every export."""
    allocator = TokenAllocator()
    return {control.pk: allocator.token(control.ref_id) for control in controls}


def ordered_controls(framework):
    return list(Control.objects.filter(framework=framework).order_by("sort_order", "ref_id", "pk"))


def _node(control, tokens, children, as_group):
    token = tokens[control.pk]
    props = [{"name": "label", "value": _one_line(control.ref_id, token)}]
    if token != control.ref_id:
        props.append(ref_prop(control.ref_id))
    if control.is_group and not as_group:
        props.append({"name": "is-group", "ns": NAMESPACE, "value": "true"})
    node = {"id": token, "title": _one_line(control.title, control.ref_id)}
    if control.parameters:
        node["params"] = control.parameters
    node["props"] = props
    if control.description.strip():
        node["parts"] = [{"id": f"{token}_smt", "name": "statement", "prose": control.description.strip()}]
    kids = children.get(control.pk, [])
    if as_group and kids and all(kid.is_group for kid in kids):
        node["groups"] = [_node(kid, tokens, children, True) for kid in kids]
    elif kids:
        # An OSCAL group holds groups or controls, never both, and a control holds only
        # controls: families that cannot be groups here travel as controls with is-group.
        node["controls"] = [_node(kid, tokens, children, False) for kid in kids]
    return node


def export_catalog(*, framework):
    """Return {"catalog": {...}} for the framework, valid against the OSCAL catalog model."""
    from trestle.oscal.catalog import Model

    controls = ordered_controls(framework)
    tokens = control_tokens(controls)
    children = defaultdict(list)
    roots = []
    for control in controls:
        (children[control.parent_id] if control.parent_id else roots).append(control)
    metadata = {
        "title": _one_line(framework.name, framework.code),
        "last-modified": framework.updated_at.isoformat(),
        "version": _one_line(framework.version, "unversioned"),
        "oscal-version": oscal_version(),
        "props": [{"name": "framework-code", "ns": NAMESPACE, "value": framework.code}],
    }
    if framework.issuer.strip():
        metadata["parties"] = [
            {
                "uuid": stable_uuid("issuer", framework.code),
                "type": "organization",
                "name": _one_line(framework.issuer, framework.code),
            }
        ]
    if framework.description.strip():
        metadata["remarks"] = framework.description.strip()
    catalog = {"uuid": str(uuid.uuid4()), "metadata": metadata}
    groups = [_node(c, tokens, children, True) for c in roots if c.is_group]
    members = [_node(c, tokens, children, False) for c in roots if not c.is_group]
    if groups:
        catalog["groups"] = groups
    if members:
        catalog["controls"] = members
    document = {"catalog": catalog}
    validate(Model, document)
    return document
