"""SSP export for a MODERATE system (287 controls and enhancements, 20 components) beside
compliance-trestle alone validating the same document.

A script, not a test:

    .venv/bin/python bench/bench_oscal.py [--repeat 7]

The whole export (queries, building the dict, trestle validation) is timed against the
validation step by itself on the document the export produced, so the ratio says how much
the export adds on top of what validating OSCAL costs anyway. Uses its own database
(bench_oscal), rebuilt each run from the shipped NIST SP 800-53 rev5 MODERATE content.
Prints medians; nothing passes or fails on time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine_note, row, setup_django

DATABASE = "bench_oscal"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
COMPONENTS = 20


def fresh_database():
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def build_system():
    from compliance.seed.content import seed_framework
    from compliance.seed.frameworks import nist_800_53
    from compliance.seed.tally import Tally
    from systems.models import ByComponent, ImplementedRequirement
    from systems.services import create_system

    fields, specs, extras = nist_800_53.load()
    framework = seed_framework(fields=fields, specs=specs, tally=Tally(), log=lambda line: None, extra_fields=extras)
    system = create_system(
        data={
            "name": "Bench MODERATE system",
            "description": "A MODERATE system for the SSP benchmark.",
            "authorization_boundary": "Everything in the bench VPC.",
            "impact_level": "moderate",
            "framework": framework,
            "responsible_parties": [{"role": "System Owner", "party": "Bench Owner"}],
            "components": [
                {"title": f"Component {n:02}", "component_type": "service" if n < 3 else "software"}
                for n in range(COMPONENTS)
            ],
        }
    )
    components = list(system.components.order_by("sort_order"))
    requirements = list(ImplementedRequirement.objects.filter(system=system).order_by("pk"))
    rows = []
    for n, requirement in enumerate(requirements):
        requirement.statement = f"The organisation implements {requirement.control_id} as documented."
        requirement.status = "implemented"
        for component in (components[n % COMPONENTS], components[(n * 7 + 3) % COMPONENTS]):
            if any(r.requirement_id == requirement.pk and r.component_id == component.pk for r in rows[-2:]):
                continue
            rows.append(
                ByComponent(
                    requirement=requirement,
                    component=component,
                    statement=f"{component.title} enforces this control through its configuration baseline.",
                    provided="Provided to leveraging systems." if component.component_type == "service" else "",
                    responsibility="Customers configure their tenants."
                    if component.component_type == "service"
                    else "",
                )
            )
    ImplementedRequirement.objects.bulk_update(requirements, ["statement", "status"])
    ByComponent.objects.bulk_create(rows)
    return system, len(requirements), len(rows)


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    fresh_database()
    setup_django(DATABASE)
    from trestle.oscal.ssp import Model

    from systems.oscal.ssp import build_ssp, export_ssp

    system, requirements, by_components = build_system()
    document = export_ssp(system=system)
    size = len(str(document))
    print(f"{machine_note()}; {requirements} requirements, {COMPONENTS} components, {by_components} by-components")
    export = median_ms(lambda: export_ssp(system=system), args.repeat)
    validate = median_ms(lambda: Model.model_validate(document), args.repeat)
    build = median_ms(lambda: build_ssp(system=system), args.repeat)
    print(f"document ~{size // 1024} KiB as text; medians of {args.repeat} runs")
    row("SSP export (queries + build + validation)", export, validate)
    row("SSP build only (queries + dict), no validation", build, validate)
    print("baseline: trestle's ssp.Model.model_validate on the same document")


if __name__ == "__main__":
    main()
