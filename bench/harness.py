"""Shared set-up for benchmark scripts: a dedicated PostgreSQL database and timing helpers.

Not called common.py: run from bench/, that name would shadow the project's `common` package.

Benchmarks print figures side by side; they never pass or fail on time.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(database="bench_compliance"):
    """Point Django at its own benchmark database (created if missing) and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance_site.test_settings")
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def machine_note():
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def row(label, ours, baseline, unit="ms", target=None):
    ratio = ours / baseline if baseline else float("inf")
    verdict = "" if target is None else ("  meets target" if ratio <= target else "  MISSES target")
    print(
        f"{label:<46} ours {ours:9.2f} {unit}   baseline {baseline:9.2f} {unit}   ratio {ratio:5.2f}x"
        + (f" (target <= {target}x){verdict}" if target else "")
    )
