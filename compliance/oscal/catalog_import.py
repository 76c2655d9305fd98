"""Reading an OSCAL 1.x catalog (JSON) into a Framework and its Controls.

groups → family controls (is_group=True), nested groups under their parent group;
controls → controls, their enhancements (nested controls) → child controls; the
``statement`` part → description (items flattened with their labels, indented by
depth); ``params`` kept as they are in Control.parameters so {{ insert: param }} markers
in the description still resolve. Re-importing updates the same rows by (framework, ref_id).
"""

import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from audit.services import record_event
from compliance.models import Control, Framework
from compliance.seed.content import upsert_controls
from compliance.seed.outline import ControlSpec

from .common import NAMESPACE, OscalError, prop_value, validate

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_REF_MAX = Control._meta.get_field("ref_id").max_length


@dataclass
class ParsedCatalog:
    framework: dict
    specs: list = field(default_factory=list)
    extras: dict = field(default_factory=dict)


def load_json(raw):
    """Parse bytes/str as JSON, with size and syntax errors turned into OscalError."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise OscalError(f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB.")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OscalError(f"Not valid JSON: {exc}") from None


def _part_lines(part, depth):
    label = prop_value(part, "label") or ""
    prose = (part.get("prose") or "").strip()
    text = " ".join(piece for piece in (label, prose) if piece)
    lines = ["  " * depth + text] if text else []
    for sub in part.get("parts") or []:
        lines.extend(_part_lines(sub, depth + 1 if text else depth))
    return lines


def statement_text(node):
    """The statement part as text: 'a. …' items, sub-items indented two spaces per level."""
    for part in node.get("parts") or []:
        if part.get("name") == "statement":
            return "\n".join(_part_lines(part, 0))
    return ""


def _issuer(metadata):
    for party in metadata.get("parties") or []:
        if party.get("type") == "organization" and party.get("name"):
            return party["name"]
    return ""


def parse_catalog(document):
    """Validate an OSCAL catalog document and turn it into framework fields and ControlSpecs."""
    from trestle.oscal.catalog import Model

    if not isinstance(document, dict) or not isinstance(document.get("catalog"), dict):
        raise OscalError('Not an OSCAL catalog: the top-level object needs a "catalog" member.')
    validate(Model, {"catalog": document["catalog"]})
    catalog = document["catalog"]
    metadata = catalog["metadata"]
    parsed = ParsedCatalog(
        framework={
            "code": prop_value(metadata, "framework-code", NAMESPACE) or slugify(metadata["title"])[:50],
            "name": metadata["title"][:200],
            "version": str(metadata.get("version", ""))[:50],
            "issuer": _issuer(metadata)[:200],
            "description": (metadata.get("remarks") or f"Imported from OSCAL catalog {catalog['uuid']}.").strip(),
        }
    )

    def walk(node, parent_ref, is_group):
        ref_id = prop_value(node, "ref-id", NAMESPACE) or node.get("id") or slugify(node["title"])
        if len(ref_id) > _REF_MAX:
            raise OscalError(f"Identifier {ref_id[:80]!r} is longer than {_REF_MAX} characters.")
        if ref_id in parsed.extras:
            raise OscalError(f"Identifier {ref_id!r} appears more than once in the catalog.")
        is_group = is_group or prop_value(node, "is-group", NAMESPACE) == "true"
        parsed.specs.append(
            ControlSpec(
                ref_id=ref_id,
                title=node["title"],
                parent_ref=parent_ref,
                is_group=is_group,
                sort_order=len(parsed.specs) + 1,
            )
        )
        parsed.extras[ref_id] = {"description": statement_text(node), "parameters": node.get("params") or []}
        for child in node.get("groups") or []:
            walk(child, ref_id, True)
        for child in node.get("controls") or []:
            walk(child, ref_id, False)

    for group in catalog.get("groups") or []:
        walk(group, None, True)
    for control in catalog.get("controls") or []:
        walk(control, None, False)
    if not parsed.specs:
        raise OscalError("The catalog has no groups and no controls.")
    return parsed


@transaction.atomic
def import_catalog(*, document, framework_code=None, tally, log=lambda line: None):
    """Import a parsed-JSON OSCAL catalog into a framework (created or updated in place).

    Built-in frameworks are refused: their content belongs to seed_compliance. Controls
    already in the framework but absent from the file are left alone.
    """
    parsed = parse_catalog(document)
    fields = dict(parsed.framework)
    code = slugify(framework_code) if framework_code else fields["code"]
    if not code:
        raise OscalError("No framework code: pass --framework CODE.")
    framework = Framework.objects.select_for_update().filter(code=code).first()
    if framework is not None and framework.is_builtin:
        raise OscalError(f"Framework {code!r} is built-in content; import the catalog under another code.")
    values = {name: fields[name] for name in ("name", "version", "issuer", "description")}
    if framework is None:
        framework = Framework.objects.create(code=code, is_builtin=False, **values)
        tally.add("created", "framework")
    else:
        changed = [name for name, value in values.items() if getattr(framework, name) != value]
        for name in changed:
            setattr(framework, name, values[name])
        if changed:
            framework.save()
        tally.add("updated" if changed else "skipped", "framework")
    log(f"Importing {len(parsed.specs)} groups and controls into {code} …")
    upsert_controls(framework=framework, specs=parsed.specs, tally=tally, extra_fields=parsed.extras)
    record_event(
        action="oscal_catalog_imported",
        instance=framework,
        impact_level="medium",
        changes={
            "controls_created": [None, tally.counts["created"]["control"]],
            "controls_updated": [None, tally.counts["updated"]["control"]],
        },
        message=f"OSCAL catalog imported into {code}: {len(parsed.specs)} groups and controls in the file.",
    )
    return framework
