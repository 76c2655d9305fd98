"""NIST SP 800-53 rev5, MODERATE baseline (public domain), shipped as NIST's resolved catalog.

The file is NIST's own resolved-profile catalog for the MODERATE baseline (every LOW and
MODERATE control and enhancement, 287 in all, in 18 families), gzipped beside this module,
so the framework exists on a fresh install without any import or network access.
"""

import gzip
import json
from functools import lru_cache
from pathlib import Path

DATA = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json.gz"
)
CODE = "nist_800_53_rev5"


@lru_cache(maxsize=1)
def load():
    """(framework fields, [ControlSpec], {ref_id: {description, parameters}}) from the shipped file."""
    from compliance.oscal.catalog_import import parse_catalog

    document = json.loads(gzip.decompress(DATA.read_bytes()))
    parsed = parse_catalog(document)
    metadata = document["catalog"]["metadata"]
    fields = {
        "code": CODE,
        "name": "NIST SP 800-53 rev5 (MODERATE baseline)",
        "version": str(metadata.get("version", ""))[:50],
        "issuer": "NIST",
        "description": "Security and privacy controls of NIST SP 800-53 Revision 5 in the LOW and MODERATE "
        "baselines, from NIST's resolved MODERATE baseline catalog.",
    }
    return fields, parsed.specs, parsed.extras
