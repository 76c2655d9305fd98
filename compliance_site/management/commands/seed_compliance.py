"""seed_compliance: every app's built-in content, and with --demo a demo organisation.

The one command that sets a system up, so it lives at the site, which may call every
app's seeder: compliance's frameworks and mappings, reports' and workflows' templates, the
integrations' provider catalog, and the demo organisation (compliance_site/demo/).
"""

import time

from django.core.management.base import BaseCommand

from audit.context import audit_context, new_request_id
from common.roles import ensure_builtin_roles
from compliance.seed.content import seed_frameworks, seed_mappings
from compliance.seed.tally import Tally
from integrations import registry as integration_registry
from reports import seed as report_seed
from workflows import seed as workflow_seed

TEMPLATE_SEEDERS = ((report_seed, "report template"), (workflow_seed, "workflow template"))


def seed_app_templates(*, stdout, tally):
    """Run the reports and workflows template seeders and add their counts to the tally."""
    for module, kind in TEMPLATE_SEEDERS:
        counts = module.seed_builtin(stdout=stdout) or {}
        tally.add("created", kind, counts.get("created", 0))
        tally.add("updated", kind, counts.get("updated", 0))
        tally.add("skipped", kind, counts.get("unchanged", 0))


class Command(BaseCommand):
    help = (
        "Seed built-in roles, frameworks, controls, mappings, report and workflow templates and the "
        "integration catalog. Idempotent. With --demo, also a deterministic demo organisation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also create the demo organisation.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed of the demo data (default 42).")

    def handle(self, *args, demo, seed, **options):
        started = time.monotonic()
        tally = Tally()
        log = self.stdout.write
        with audit_context(source="command", actor_label="system:seed_compliance", request_id=new_request_id()):
            log("Roles")
            ensure_builtin_roles()
            log("  4 built-in roles brought up to date")
            log("Frameworks")
            seed_frameworks(tally=tally, log=log)
            log("Mappings")
            seed_mappings(tally=tally, log=log)
            log("Templates and catalog")
            seed_app_templates(stdout=self.stdout, tally=tally)
            providers = integration_registry.all_providers()
            log(f"  integration catalog: {len(providers)} provider(s): " + ", ".join(p.slug for p in providers))
            if demo:
                from compliance_site.demo import seed_demo

                log(f"Demo organisation (seed {seed})")
                seed_demo(seed=seed, tally=tally, log=log)
        log(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f}s"))
        for line in tally.summary():
            log(f"  {line}")
