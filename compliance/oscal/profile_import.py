"""Importing an OSCAL profile (a baseline) resolved against the catalog given beside it.

compliance-trestle's ProfileResolver does the resolution (imports, include/exclude, merge,
set-params, alters), the same code path assessors' tooling uses. It reads documents from a
trestle workspace on disk, so the pair is written to a throw-away workspace and the
profile's imports are pointed at the catalog there: the catalog the caller handed us, not
whatever the profile's back-matter names (a URL we would never fetch at run time).
The resolved catalog is then imported like any other catalog (import_catalog).
"""

import json
import pathlib
import tempfile

from django.db import transaction

from audit.services import record_event
from compliance.models import Control, ImportedProfile

from .catalog_import import import_catalog
from .common import OscalError, validate


class PairError(OscalError):
    """The profile or the catalog (named by `field`) cannot be used."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def _check_profile(document):
    from trestle.oscal.profile import Model

    if not isinstance(document, dict) or not isinstance(document.get("profile"), dict):
        raise OscalError('Not an OSCAL profile: the top-level object needs a "profile" member.')
    validate(Model, {"profile": document["profile"]})
    if not document["profile"].get("imports"):
        raise OscalError("The profile imports nothing.")


def _check_catalog(document):
    from trestle.oscal.catalog import Model

    if not isinstance(document, dict) or not isinstance(document.get("catalog"), dict):
        raise OscalError('Not an OSCAL catalog: the top-level object needs a "catalog" member.')
    validate(Model, {"catalog": document["catalog"]})


def resolve_profile(*, profile, catalog):
    """Return the resolved profile catalog as a plain {"catalog": {...}} document."""
    from trestle.common.err import TrestleError
    from trestle.core.profile_resolver import ProfileResolver

    for field, check, document in (("profile", _check_profile, profile), ("catalog", _check_catalog, catalog)):
        try:
            check(document)
        except OscalError as exc:
            raise PairError(field, str(exc)) from None
    profile = json.loads(json.dumps(profile))  # we rewrite its imports: work on a copy
    with tempfile.TemporaryDirectory(prefix="oscal-profile-") as tmp:
        root = pathlib.Path(tmp)
        (root / ".trestle").mkdir()
        catalog_path = root / "catalog.json"
        catalog_path.write_text(json.dumps({"catalog": catalog["catalog"]}))
        for imported in profile["profile"]["imports"]:
            imported["href"] = str(catalog_path)
        profile_path = root / "profile.json"
        profile_path.write_text(json.dumps(profile))
        try:
            resolved = ProfileResolver.get_resolved_profile_catalog(root, str(profile_path))
        # trestle's pipeline reports malformed but schema-valid input in many ways; each is a refusal.
        except (TrestleError, KeyError, ValueError, IndexError, TypeError, AttributeError, OSError) as exc:
            raise PairError("profile", f"The profile does not resolve against the catalog: {exc}") from None
    return json.loads(resolved.oscal_serialize_json(wrapped=True))


def controls_count(framework):
    """Controls and enhancements, not groups."""
    return Control.objects.filter(framework=framework, is_group=False).count()


@transaction.atomic
def import_profile(*, profile, catalog, framework_code=None, tally):
    """Resolve the profile against the catalog and import the result as a framework.

    Returns the ImportedProfile (created, or updated on a re-import into the same framework).
    """
    resolved = resolve_profile(profile=profile, catalog=catalog)
    framework = import_catalog(document=resolved, framework_code=framework_code, tally=tally)
    metadata = profile["profile"]["metadata"]
    count = controls_count(framework)
    imported, _ = ImportedProfile.objects.update_or_create(
        framework=framework,
        defaults={
            "profile_uuid": profile["profile"]["uuid"],
            "title": metadata["title"][:300],
            "version": str(metadata.get("version", ""))[:100],
            "catalog_title": catalog["catalog"]["metadata"]["title"][:300],
            "controls_count": count,
        },
    )
    record_event(
        action="oscal_profile_imported",
        instance=framework,
        changes={"controls_count": [None, count]},
        message=f"OSCAL profile {metadata['title']!r} resolved into {framework.code}: {count} controls.",
    )
    return imported
