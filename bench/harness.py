"""Shared set-up for benchmark scripts: a dedicated PostgreSQL database and timing helpers.

Not called common.py: run from bench/, that name would shadow the project's `common` package.

Benchmarks print figures side by side; they never pass or fail on time.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(database=None, *, fresh=False, settings_module="compliance_site.test_settings"):
    """Point Django at a benchmark database of its own, create it if missing (drop it first
    when `fresh`), and migrate it.

    A named `database` always wins over DATABASE_URL, so a benchmark never writes into
    whatever database the shell points at; with none, DATABASE_URL or bench_compliance.
    """
    sys.path.insert(0, str(ROOT))
    if database is not None:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_compliance")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# The tables every ingest batch updates in place. Autovacuum is off on the machines here
# (`SHOW autovacuum`), so without a VACUUM they only grow: after a few dozen bench-ingest
# batches the daily rollups held 64,000 live rows and 769,000 dead ones (104 MB), and each
# batch read more of them.
SETTLED = (
    "compliance_evaluationrollup",
    "compliance_statuschangerollup",
    "compliance_latestevaluation",
    "compliance_lateststatuscount",
    "compliance_finding",
)


def settle():
    """VACUUM the tables ingest updates in place, as autovacuum keeps them in production.
    Call it outside what is timed (DATABASE_URL's database)."""
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in SETTLED:
            conn.execute(f"VACUUM (ANALYZE) {table}")


def start_gunicorn(env, *, port, workers, timeout=120):
    """gunicorn serving the site on 127.0.0.1:`port` with `env`, once /healthz answers 200.

    bench/ goes on its path too: the bench settings route the hand-written floors there."""
    import urllib.request

    env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])}

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "compliance_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not come up")


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
