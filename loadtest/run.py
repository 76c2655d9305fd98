"""`make loadtest`: open-loop capacity of gunicorn with several workers, loopback only.

Builds its own PostgreSQL database afresh with the demo data set, starts gunicorn (4 workers)
and a Celery worker, then offers requests at fixed arrival rates (loadtest/openloop.py) and
finds, for three mixes, the highest rate at which reads hold p95 < 200 ms and p99 < 400 ms
with no errors: the mixed traffic of staff and API clients, GET /api/v1/evaluations/ alone,
and the hand-written floor view for the same rows. The ratio to the floor is the figure
that holds from machine to machine. Exits 1 on any 500, or if no rate holds.

    .venv/bin/python loadtest/run.py [--step-seconds 15] [--start-rate 20] [--mix mixed ...]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg
import requests
from openloop import READ_TARGETS, LoadGenerator, percentile
from traffic import Traffic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from harness import start_gunicorn  # noqa: E402  (the benchmarks' own helper, one directory over)

PY = sys.executable
DB = "loadtest_compliance"
PORT = 8077
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "load-test-password-0123"


def environment():
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "loadtest-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEYS": "bG9hZHRlc3Qtb25seS1maWVsZC1rZXktMDEyMzQ1Njc=",
        "AUDIT_CHECKPOINT_HMAC_KEY": "loadtest-only-hmac-key-0123456789",
        # Production-shaped settings plus the hand-written floor's URL (bench/floors.py).
        "DJANGO_SETTINGS_MODULE": "compliance_site.bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        # Redis databases of its own (override if another service on the machine uses them).
        "CELERY_BROKER_URL": os.environ.get("LOADTEST_BROKER_URL", "redis://127.0.0.1:6379/11"),
        "REDIS_CACHE_URL": os.environ.get("LOADTEST_CACHE_URL", "redis://127.0.0.1:6379/12"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "VAR_DIR": str(ROOT / "var" / "loadtest"),
        "LOG_LEVEL": "WARNING",
        # The load comes from one address; lockout and token throttling are not what is measured.
        "LOGIN_MAX_FAILURES": "1000000",
    }


def manage(*args, env):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env):
    # A fresh database every run: each run ingests, generates and audits, and figures from a
    # database grown by earlier runs would not be comparable (nor "the demo data set").
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    manage("seed_compliance", "--demo", env=env)
    script = f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from compliance_site.tokens import issue_token
for name, role in (("load-manager", "Compliance Manager"), ("load-auditor", "Auditor")):
    user, _ = get_user_model().objects.get_or_create(username=name)
    user.set_password({PASSWORD!r}); user.save()
    user.groups.add(Group.objects.get(name=role))
    print(name, issue_token(user=user, name="load test")[1])
"""
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    # `shell` may print a banner line of its own; keep only our "name token" lines.
    return dict(line.split() for line in out.strip().splitlines() if line.startswith("load-"))


def start(env, workers):
    gunicorn = start_gunicorn(env, port=PORT, workers=workers, timeout=60)
    celery = subprocess.Popen(
        [
            PY,
            "-m",
            "celery",
            "-A",
            "compliance_site",
            "worker",
            "-Q",
            "default,reports,integrations",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    return [gunicorn, celery]


def stop(procs):
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


MIXES = (
    ("mixed", "mixed traffic (pages, API reads, bulk ingest, reports)"),
    ("evaluations_only", "GET /api/v1/evaluations/ alone"),
    ("floor", "hand-written floor: the same evaluations as a bare JsonResponse"),
)


def load_ids(tokens):
    probe = requests.Session()
    probe.headers["Authorization"] = f"Token {tokens['load-manager']}"
    return {
        "rules": [r["id"] for r in probe.get(f"{BASE}/api/v1/rules/?page_size=500").json()["results"]],
        "sources": [s["id"] for s in probe.get(f"{BASE}/api/v1/data-sources/?page_size=500").json()["results"]],
    }


def print_steps(title, capacity, steps):
    print(
        f"\n{title}: capacity {capacity:g} req/s (reads p95 < {READ_TARGETS['p95']:.0f} ms, "
        f"p99 < {READ_TARGETS['p99']:.0f} ms, no errors)"
    )
    print(f"{'rate/s':>8}{'sent':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  holds")
    for step in steps:
        p50, p95, p99 = step.read_percentiles()
        sent = sum(len(v) for v in step.samples.values())
        holds = "yes" if step.holds else "no"
        print(f"{step.rate:>8g}{sent:>7}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{step.errors:>8}  {holds}")


def print_breakdown(step):
    print(f"\nper request at {step.rate:g} req/s (the highest rate that held):")
    print(f"{'request':<32}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for (_kind, label), values in sorted(step.samples.items()):
        print(
            f"{label:<32}{len(values):>7}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}"
            f"{percentile(values, 99):>9.1f}"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--step-seconds", type=int, default=15, help="length of each fixed-rate step")
    parser.add_argument("--start-rate", type=float, default=20, help="first arrival rate, requests/s")
    parser.add_argument("--refine", type=int, default=3, help="bisection steps after the first miss")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--mix", choices=[name for name, _ in MIXES], action="append", help="default: all three")
    args = parser.parse_args()
    env = environment()
    tokens = prepare(env)
    procs = start(env, args.workers)
    server_errors = 0
    capacities = {}
    try:
        ids = load_ids(tokens)
        generator = LoadGenerator(lambda: Traffic(BASE, tokens, ids, PASSWORD))
        try:
            for name, title in MIXES:
                if args.mix and name not in args.mix:
                    continue
                capacity, steps = generator.find_capacity(
                    name, start_rate=args.start_rate, seconds=args.step_seconds, refine_steps=args.refine
                )
                capacities[name] = capacity
                print_steps(title, capacity, steps)
                held = [step for step in steps if step.rate == capacity]
                if held:
                    print_breakdown(held[-1])
                server_errors += sum(
                    count for step in steps for (_label, status), count in step.failures.items() if status == 500
                )
        finally:
            generator.close()
    finally:
        stop(procs)
    print(
        f"\nopen-loop capacity on {os.cpu_count()} cores, gunicorn {args.workers} workers, "
        f"{args.step_seconds} s steps: " + ", ".join(f"{name} {value:g} req/s" for name, value in capacities.items())
    )
    floor = capacities.get("floor")
    if floor:
        for name in ("mixed", "evaluations_only"):
            if name in capacities:
                print(f"  {name} / floor: {capacities[name] / floor:.2f}")
    # Overload shows as latency or refused connections; a 500 is a bug at any rate.
    sys.exit(1 if server_errors or not any(capacities.values()) else 0)


if __name__ == "__main__":
    main()
