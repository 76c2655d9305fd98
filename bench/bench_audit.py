"""Audit overhead: create + update of one model, unaudited vs ours vs django-auditlog.

All three run in one process on one database, interleaved round by round so that load
from anything else on the machine hits every variant alike. Each create and each update
is its own transaction, as in an API request (run_pairs says how). Printed, never asserted (target:
ours <= 1.5x unaudited).

    .venv/bin/python bench/bench_audit.py [--pairs 100] [--rounds 21]

Short rounds, many of them: this machine's speed drifts over seconds, and fine
interleaving lets the drift hit every variant alike.
"""

import argparse
import contextlib
import os
import statistics
import sys
import time

from django.db import transaction
from harness import ROOT, machine_note, setup_django

DATABASE = "bench_audit"


def install_settings():
    """The test settings plus django-auditlog (installed for this baseline only)."""
    sys.path.insert(0, str(ROOT))
    # Before the settings load: test_settings would otherwise default to another database.
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "compliance_site.test_settings"
    from django.conf import settings

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "auditlog"]
    name = settings.DATABASES["default"]["NAME"]
    if not name.startswith("bench"):
        sys.exit(f"refusing to benchmark on database {name!r}: set DATABASE_URL to a bench_* database")


class Variants:
    """Switch the Framework model between unaudited, ours and django-auditlog."""

    def __init__(self, model):
        from audit import receivers

        self.model = model
        self.receivers = receivers
        self.spec = receivers.disconnect_model(model)  # start unaudited

    def use(self, name):
        from auditlog.registry import auditlog

        if auditlog.contains(self.model):
            auditlog.unregister(self.model)
        if self.model in self.receivers._SPECS:
            self.receivers.disconnect_model(self.model)
        if name == "ours":
            self.receivers.connect_model(self.model, self.spec)
        elif name == "django-auditlog":
            auditlog.register(self.model)


def run_pairs(model, pairs, tag, mode):
    """`pairs` x (create, then load and update one field): what an API create + PATCH does.

    mode "service": each write inside transaction.atomic, as the services write (docs/architecture.md);
    mode "autocommit": bare save() calls, as a DRF generic view does without a service.
    """
    wrap = transaction.atomic if mode == "service" else contextlib.nullcontext
    start = time.perf_counter()
    for n in range(pairs):
        with wrap():
            obj = model.objects.create(code=f"{tag}-{n}", name=f"Framework {n}", version="1")
        loaded = model.objects.get(pk=obj.pk)
        loaded.name = f"Framework {n} renamed"
        with wrap():
            loaded.save()
    return (time.perf_counter() - start) * 1000 / pairs


def on_cpu_ns(pid):
    """Time `pid` ("self" or a number) has spent on a CPU, from Linux's schedstat; None elsewhere.

    Far steadier than wall time on a noisy machine, and it splits a cost between this
    process (Python, the driver) and the PostgreSQL backend serving it.
    """
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0])
    except (OSError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    install_settings()
    setup_django(DATABASE)
    from auditlog.models import LogEntry
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.models import AuditLog
    from compliance.models import Framework

    Framework.objects.filter(code__startswith="bench-").delete()
    variants = Variants(Framework)
    names = ("unaudited", "ours", "django-auditlog")
    modes = ("service", "autocommit")
    samples = {(mode, name): [] for mode in modes for name in names}
    cpu = {(mode, name): [] for mode in modes for name in names}  # (client, server) µs per pair
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        server_pid = cursor.fetchone()[0]
    run = 0
    for round_no in range(args.rounds + 1):  # round 0 warms caches and is dropped
        for mode in modes:
            for name in names:
                variants.use(name)
                run += 1
                client, server = on_cpu_ns("self"), on_cpu_ns(server_pid)
                per_pair = run_pairs(Framework, args.pairs, f"bench-{run}", mode)
                if round_no:
                    samples[(mode, name)].append(per_pair)
                    if client is not None and server is not None:
                        cpu[(mode, name)].append(
                            (
                                (on_cpu_ns("self") - client) / args.pairs / 1000,
                                (on_cpu_ns(server_pid) - server) / args.pairs / 1000,
                            )
                        )
                variants.use("unaudited")
                Framework.objects.filter(code__startswith="bench-").delete()

    statements = {}
    for mode in modes:
        for name in names:
            variants.use(name)
            with CaptureQueriesContext(connection) as queries:
                run_pairs(Framework, 1, f"bench-count-{mode}-{name}", mode)
            # What reaches the server, message by message: BEGIN and COMMIT are round trips too,
            # and an entry sent with the next statement or the COMMIT is no round trip of its own.
            statements[(mode, name)] = len(queries)
            variants.use("unaudited")
    Framework.objects.filter(code__startswith="bench-").delete()

    print(f"audit overhead, create + update of compliance.Framework, {args.pairs} pairs x {args.rounds} rounds")
    print(
        f"machine: {machine_note()}; load average {os.getloadavg()[0]:.1f}; PostgreSQL {connection.pg_version // 10000}"
    )
    for mode in modes:
        base = samples[(mode, "unaudited")]
        print(f"{mode} writes ({'each in transaction.atomic' if mode == 'service' else 'bare save()'}):")
        for name in names:
            runs = samples[(mode, name)]
            # Each round's variants ran back to back: a ratio per round cancels the drift
            # of the machine's speed between rounds, which a ratio of medians does not.
            ratios = sorted(ours / unaudited for ours, unaudited in zip(runs, base, strict=True))
            quartiles = statistics.quantiles(ratios, n=4)
            print(
                f"  {name:<16} {statistics.median(runs):7.3f} ms per create+update  "
                f"{statistics.median(ratios):4.2f}x unaudited (middle half of rounds {quartiles[0]:.2f}-"
                f"{quartiles[2]:.2f})   {statements[(mode, name)]} round trips"
                + (
                    f"   on CPU: client {statistics.median(c for c, _ in cpu[(mode, name)]):.0f} µs, "
                    f"server {statistics.median(s for _, s in cpu[(mode, name)]):.0f} µs"
                    if cpu[(mode, name)]
                    else ""
                )
            )
        ours = statistics.median(a / b for a, b in zip(samples[(mode, "ours")], base, strict=True))
        print(f"  target ours <= 1.50x unaudited: {'met' if ours <= 1.5 else 'MISSED'} ({ours:.2f}x)")
    print(
        f"entries written: ours {AuditLog.objects.filter(content_type__model='framework').count()}, "
        f"django-auditlog {LogEntry.objects.count()}"
    )


if __name__ == "__main__":
    main()
