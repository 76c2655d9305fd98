"""Seeding built-in frameworks, controls and mappings by natural key.

Framework.code, Control (framework, ref_id) and ControlMapping (source, target) are the
natural keys. Built-in frameworks (is_builtin=True) are brought to the content shipped
here; a framework a user made with the same code is never touched. Controls are written
in bulk (hundreds per framework) and each framework gets one audit entry describing the
change, instead of one hash-chained entry per control.
"""

from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from compliance.models import Control, ControlMapping, ControlRevision, Framework

from .frameworks import builtin_frameworks
from .mappings import builtin_mappings
from .tally import Tally

_FRAMEWORK_FIELDS = ("name", "version", "issuer", "description")
_CONTROL_FIELDS = ("title", "is_group", "sort_order", "parent_id")
# Content whose changes between versions of a built-in framework are kept as ControlRevisions.
_REVISED_FIELDS = ("title", "description")


def _changed(instance, values):
    """Set values on instance; return the names of the fields that really changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def upsert_controls(*, framework, specs, tally, extra_fields=None, previous=None):
    """Create or update controls of one framework from ControlSpec-like objects.

    `extra_fields` maps ref_id -> {field: value} for content that carries more than the
    outline does (description, parameters from OSCAL). Controls of the framework that the
    specs do not mention are left alone. Returns {ref_id: Control}. A `previous` dict gets
    the revised fields of every control that existed, as they were before this call.
    """
    extra_fields = extra_fields or {}
    existing = {c.ref_id: c for c in Control.objects.filter(framework=framework)}
    if previous is not None:
        previous.update({ref: {name: getattr(c, name) for name in _REVISED_FIELDS} for ref, c in existing.items()})
    new = [
        Control(
            framework=framework,
            ref_id=spec.ref_id,
            title=spec.title[:500],
            is_group=spec.is_group,
            sort_order=spec.sort_order,
            **extra_fields.get(spec.ref_id, {}),
        )
        for spec in specs
        if spec.ref_id not in existing
    ]
    Control.objects.bulk_create(new, batch_size=500)
    created = {control.ref_id for control in new}
    existing.update({control.ref_id: control for control in new})

    dirty, updated, fields = [], 0, set()
    for spec in specs:
        control = existing[spec.ref_id]
        values = {
            "title": spec.title[:500],
            "is_group": spec.is_group,
            "sort_order": spec.sort_order,
            "parent_id": existing[spec.parent_ref].pk if spec.parent_ref else None,
            **extra_fields.get(spec.ref_id, {}),
        }
        changed = _changed(control, values)
        if changed:
            dirty.append(control)
            fields.update(changed)
            updated += spec.ref_id not in created
        elif spec.ref_id not in created:
            tally.add("skipped", "control")
    if dirty:
        now = timezone.now()
        for control in dirty:
            control.updated_at = now  # bulk_update does not apply auto_now
        Control.objects.bulk_update(dirty, sorted(fields | {"updated_at"}), batch_size=500)
    tally.add("created", "control", len(created))
    tally.add("updated", "control", updated)
    return existing


def _record_revisions(*, framework, before, from_version, controls):
    """One ControlRevision per changed title/description of a control that existed before."""
    now = timezone.now()
    revisions = [
        ControlRevision(
            control=control,
            field=name,
            old_value=before[ref_id][name],
            new_value=getattr(control, name),
            from_version=from_version,
            to_version=framework.version,
            changed_at=now,
        )
        for ref_id, control in controls.items()
        if ref_id in before
        for name in _REVISED_FIELDS
        if before[ref_id][name] != getattr(control, name)
    ]
    ControlRevision.objects.bulk_create(revisions, batch_size=500)
    return len(revisions)


@transaction.atomic
def seed_framework(*, fields, specs, tally, log, extra_fields=None):
    """Create or update one built-in framework and its controls. Returns it, or None if skipped.

    Changed titles and statements of existing controls are kept as ControlRevisions
    (old and new text, the versions between which it changed, when).
    """
    framework = Framework.objects.filter(code=fields["code"]).first()
    if framework is not None and not framework.is_builtin:
        tally.add("skipped", "framework")
        log(f"  {fields['code']}: a user-made framework has this code; left alone")
        return None
    values = {name: fields.get(name, "") for name in _FRAMEWORK_FIELDS}
    from_version = framework.version if framework is not None else ""
    before = {}
    if framework is None:
        framework = Framework.objects.create(code=fields["code"], is_builtin=True, **values)
        tally.add("created", "framework")
        changed = ["created"]
    else:
        changed = _changed(framework, values)
        if changed:
            framework.save()
        tally.add("updated" if changed else "skipped", "framework")
    counted = {outcome: tally.counts[outcome]["control"] for outcome in Tally.OUTCOMES}
    controls = upsert_controls(
        framework=framework, specs=specs, tally=tally, extra_fields=extra_fields, previous=before
    )
    delta = {outcome: tally.counts[outcome]["control"] - counted[outcome] for outcome in Tally.OUTCOMES}
    revised = _record_revisions(framework=framework, before=before, from_version=from_version, controls=controls)
    if changed or delta["created"] or delta["updated"]:
        record_event(
            action="seeded",
            instance=framework,
            changes={
                "controls_created": [None, delta["created"]],
                "controls_updated": [None, delta["updated"]],
                "statements_revised": [None, revised],
            },
            message=f"Built-in content for {framework.code}: {delta['created']} control(s) created, "
            f"{delta['updated']} updated.",
        )
    log(
        f"  {framework.code}: {len(specs)} groups and controls "
        f"({delta['created']} new, {delta['updated']} updated, {delta['skipped']} unchanged)"
    )
    return framework


def seed_frameworks(*, tally, log):
    """Seed every built-in framework. Returns {code: Framework} for those seeded."""
    seeded = {}
    for fields, specs, extra_fields in builtin_frameworks():
        framework = seed_framework(fields=fields, specs=specs, tally=tally, log=log, extra_fields=extra_fields)
        if framework is not None:
            seeded[framework.code] = framework
    return seeded


@transaction.atomic
def seed_mappings(*, tally, log):
    """Create or update the built-in cross-framework mappings between built-in frameworks."""
    specs = builtin_mappings()
    codes = {code for spec in specs for code, _ in (spec.source, spec.target)}
    controls = {
        (framework_code, ref_id): pk
        for pk, framework_code, ref_id in Control.objects.filter(
            framework__code__in=codes,
            framework__is_builtin=True,
        ).values_list("pk", "framework__code", "ref_id")
    }
    existing = {
        (m.source_id, m.target_id): m
        for m in ControlMapping.objects.filter(source_id__in=controls.values(), target_id__in=controls.values())
    }
    new, dirty, missing = [], [], []
    for spec in specs:
        source, target = controls.get(spec.source), controls.get(spec.target)
        if source is None or target is None:
            missing.append(spec)
            continue
        mapping = existing.get((source, target))
        values = {"relationship": spec.relationship, "rationale": spec.rationale}
        if mapping is None:
            new.append(ControlMapping(source_id=source, target_id=target, **values))
        elif _changed(mapping, values):
            dirty.append(mapping)
        else:
            tally.add("skipped", "mapping")
    ControlMapping.objects.bulk_create(new)
    if dirty:
        now = timezone.now()
        for mapping in dirty:
            mapping.updated_at = now
        ControlMapping.objects.bulk_update(dirty, ["relationship", "rationale", "updated_at"])
    tally.add("created", "mapping", len(new))
    tally.add("updated", "mapping", len(dirty))
    tally.add("skipped", "mapping", len(missing))
    if new or dirty:
        record_event(
            action="seeded",
            changes={"mappings_created": [None, len(new)], "mappings_updated": [None, len(dirty)]},
            message=f"Built-in control mappings: {len(new)} created, {len(dirty)} updated.",
        )
    log(
        f"  mappings: {len(specs)} ({len(new)} new, {len(dirty)} updated"
        + (f", {len(missing)} skipped: a framework is user-made or the control is not shipped" if missing else "")
        + ")"
    )
