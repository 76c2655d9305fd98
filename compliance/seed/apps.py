"""Built-in content owned by other apps: report templates, workflow templates, the integration catalog.

Those apps own their content and its seeding (`<app>.seed.seed_builtin(stdout=...)`); this
module only calls them, so `seed_compliance` stays the one command that sets a system up.
An app whose seed module is missing is reported and skipped rather than failing the run.
"""
from importlib import import_module


def optional_module(name):
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None  # the module (or its package) does not exist: nothing to seed
        raise  # the module exists but one of its own imports is broken: that is a bug


_TEMPLATE_SEEDERS = (("reports.seed", "report template"), ("workflows.seed", "workflow template"))


def seed_app_templates(*, stdout, log, tally):
    """Run reports.seed and workflows.seed when present and add their counts to the tally."""
    seeded = []
    for module_name, kind in _TEMPLATE_SEEDERS:
        module = optional_module(module_name)
        if module is None or not hasattr(module, "seed_builtin"):
            log(f"  {module_name}: not available yet; skipped")
            continue
        counts = module.seed_builtin(stdout=stdout) or {}
        tally.add("created", kind, counts.get("created", 0))
        tally.add("updated", kind, counts.get("updated", 0))
        tally.add("skipped", kind, counts.get("unchanged", 0))
        seeded.append(module_name)
    return seeded


def integration_catalog(*, log):
    """Load the provider registry and list it. The catalog lives in code, not in rows."""
    registry = optional_module("integrations.registry")
    if registry is None:
        log("  integrations.registry: not available yet; skipped")
        return []
    providers = registry.all_providers()
    log(f"  integration catalog: {len(providers)} provider(s): "
        + ", ".join(getattr(p, "slug", str(p)) for p in providers))
    return providers
