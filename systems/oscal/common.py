"""Pieces the system exports share: metadata, roles and parties, the back-matter link to the catalog."""

from compliance.models import Control
from compliance.oscal.common import NAMESPACE, TokenAllocator, oscal_version, stable_uuid

__all__ = ["NAMESPACE", "catalog_resource", "control_ids", "metadata", "one_line", "prop", "stable_uuid"]


def one_line(text, fallback=""):
    return " ".join((text or "").split()) or fallback


def prop(name, value):
    return {"name": name, "ns": NAMESPACE, "value": str(value)}


def control_ids(framework):
    """{control pk: OSCAL control-id}, the same ids the framework's catalog export uses.

    The same order and allocator as compliance.oscal.catalog_export.control_tokens, on
    (pk, ref_id) pairs only: a MODERATE catalog's statements need not be read for this.
    """
    allocator = TokenAllocator()
    pairs = Control.objects.filter(framework=framework).order_by("sort_order", "ref_id", "pk")
    return {pk: allocator.token(ref_id) for pk, ref_id in pairs.values_list("pk", "ref_id")}


def role_id(text):
    """An OSCAL token for a role name ("System Owner" -> "system-owner")."""
    return TokenAllocator().token("-".join((text or "").lower().split()) or "role", prefix="role")


def metadata(*, title, last_modified, system, roles=()):
    """OSCAL metadata with the system's responsible parties as roles and parties."""
    roles = dict.fromkeys(role_id(r) for r in roles if r)
    parties = {}
    for entry in system.responsible_parties or []:
        roles.setdefault(role_id(entry.get("role")), None)
        name = one_line(entry.get("party"))
        if name:
            parties.setdefault(name, stable_uuid("party", name))
    data = {
        "title": one_line(title, "Untitled"),
        "last-modified": last_modified.isoformat(),
        "version": last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "oscal-version": oscal_version(),
        "props": [prop("system-id", system.pk)],
    }
    if roles:
        data["roles"] = [{"id": rid, "title": rid.replace("-", " ").title()} for rid in roles]
    if parties:
        data["parties"] = [{"uuid": uuid, "type": "person", "name": name} for name, uuid in parties.items()]
    return data


def responsible_parties(system):
    """OSCAL responsible-parties: each role with the uuids of the parties holding it."""
    by_role = {}
    for entry in system.responsible_parties or []:
        name = one_line(entry.get("party"))
        if entry.get("role") and name:
            by_role.setdefault(role_id(entry["role"]), []).append(stable_uuid("party", name))
    return [{"role-id": rid, "party-uuids": uuids} for rid, uuids in by_role.items()]


def catalog_resource(framework):
    """The back-matter resource the document's import points at: the framework's catalog."""
    resource = {
        "uuid": stable_uuid("catalog", framework.code),
        "title": one_line(f"{framework.name} catalog", framework.code),
        "props": [prop("framework-code", framework.code)],
        "rlinks": [
            {"href": f"/api/v1/frameworks/{framework.code}/", "media-type": "application/json"},
        ],
    }
    profile = getattr(framework, "imported_profile", None)
    if profile is not None:
        resource["description"] = f"Resolved from OSCAL profile {profile.title!r} ({profile.profile_uuid})."
    return resource
