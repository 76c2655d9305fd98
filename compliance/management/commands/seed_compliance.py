import time

from django.core.management.base import BaseCommand

from audit.context import audit_context, new_request_id
from common.roles import ensure_builtin_roles
from compliance.seed.apps import integration_catalog, seed_app_templates
from compliance.seed.content import seed_frameworks, seed_mappings
from compliance.seed.tally import Tally


class Command(BaseCommand):
    help = ("Seed built-in roles, frameworks, controls, mappings, report and workflow templates and the "
            "integration catalog. Idempotent. With --demo, also a deterministic demo organisation.")

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
            seed_app_templates(stdout=self.stdout, log=log, tally=tally)
            integration_catalog(log=log)
            if demo:
                from compliance.seed.demo import seed_demo

                log(f"Demo organisation (seed {seed})")
                seed_demo(seed=seed, tally=tally, log=log)
        log(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f}s"))
        for line in tally.summary():
            log(f"  {line}")
