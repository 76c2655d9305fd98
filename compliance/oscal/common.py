"""Pieces shared by OSCAL import and export: ids, namespaces, validation."""

import re
import uuid

from pydantic import ValidationError

# Our own extension properties live in this namespace (OSCAL asks for one on non-core props).
NAMESPACE = "https://compliance-platform.example/ns/oscal"
_UUID_ROOT = uuid.UUID("6f1d4a52-7c8e-4b7b-9a51-2f0cbb1e9d30")
# OSCAL tokens (ids) start with a letter or underscore and go on with letters, digits, . - _
_TOKEN = re.compile(r"^[_A-Za-z][_A-Za-z0-9.\-]*$")
_NOT_TOKEN_CHAR = re.compile(r"[^_A-Za-z0-9.\-]+")


class OscalError(ValueError):
    """A document is not OSCAL we can read, or an export would not be valid OSCAL."""


def oscal_version():
    from trestle.oscal import OSCAL_VERSION

    return OSCAL_VERSION


def stable_uuid(*parts):
    """A UUIDv5 from our namespace: the same object gets the same uuid in every export."""
    return str(uuid.uuid5(_UUID_ROOT, "/".join(str(part) for part in parts)))


def is_token(value):
    return bool(_TOKEN.match(value))


class TokenAllocator:
    """Turns our ref_ids into unique OSCAL tokens: kept as they are when already valid."""

    def __init__(self):
        self.used = set()

    def token(self, ref_id, prefix="c"):
        candidate = ref_id if is_token(ref_id) else _NOT_TOKEN_CHAR.sub("_", ref_id).strip("_")
        if not is_token(candidate):
            candidate = f"{prefix}-{candidate}" if candidate else prefix
        unique, n = candidate, 1
        while unique in self.used:
            n += 1
            unique = f"{candidate}-{n}"
        self.used.add(unique)
        return unique


def ref_prop(ref_id):
    """The prop that carries our ref_id when it is not itself a valid OSCAL id."""
    return {"name": "ref-id", "ns": NAMESPACE, "value": ref_id}


def prop_value(obj, name, ns=None):
    for prop in obj.get("props") or []:
        if prop.get("name") == name and prop.get("ns") == ns and isinstance(prop.get("value"), str):
            return prop["value"]
    return None


def validate(model_cls, document):
    """Validate a whole OSCAL document (e.g. {"catalog": {...}}) with a trestle model."""
    from trestle.common.err import TrestleError

    try:
        model_cls.model_validate(document)
    except TrestleError as exc:  # trestle reports oscal-version problems this way
        raise OscalError(f"Not valid OSCAL: oscal-version: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'/'.join(str(p) for p in error['loc'][:8])}: {error['msg']}" for error in exc.errors()[:5]
        )
        raise OscalError(f"Not valid OSCAL ({exc.error_count()} problem(s)): {problems}") from None
