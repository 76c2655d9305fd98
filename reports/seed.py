"""Idempotent seeding of the built-in report templates (called by seed_compliance)."""

from django.db import transaction

from compliance.models import Framework

from .catalog import BUILTIN_TEMPLATES
from .models import ReportTemplate

_CONTENT_FIELDS = ("name", "report_type", "description", "default_format", "sections", "parameters", "is_default")


@transaction.atomic
def seed_builtin(stdout=None):
    """Create or update every built-in template; returns {"created": n, "updated": n, "unchanged": n}.

    A template's version goes up only when its content changes, so running twice is a no-op.
    Framework packs link to their framework when it exists (seed frameworks first).
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    frameworks = {
        f.code: f
        for f in Framework.objects.filter(code__in=[t["framework"] for t in BUILTIN_TEMPLATES if t["framework"]])
    }
    for spec in BUILTIN_TEMPLATES:
        wanted = {name: spec[name] for name in _CONTENT_FIELDS}
        wanted["framework"] = frameworks.get(spec["framework"]) if spec["framework"] else None
        template = ReportTemplate.objects.select_for_update().filter(slug=spec["slug"]).first()
        if template is None:
            if wanted["is_default"]:
                # A hand-made default of the same type yields to the built-in one.
                ReportTemplate.objects.filter(report_type=spec["report_type"], is_default=True).update(is_default=False)
            ReportTemplate.objects.create(slug=spec["slug"], is_builtin=True, **wanted)
            counts["created"] += 1
            continue
        changed = [name for name, value in wanted.items() if getattr(template, name) != value]
        if not changed and template.is_builtin:
            counts["unchanged"] += 1
            continue
        for name in changed:
            setattr(template, name, wanted[name])
        template.is_builtin = True
        template.version += 1
        template.save()
        counts["updated"] += 1
    if stdout is not None:
        stdout.write(
            f"report templates: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged\n"
        )
    return counts
