"""`make loadtest`: 60 s of mixed traffic against gunicorn with several workers, loopback only.

Builds its own PostgreSQL database afresh with the demo data set, starts gunicorn (4 workers)
and a Celery worker, then runs a bounded closed-loop load: N client threads, each sending
one request after another for DURATION seconds. Prints throughput, p50/p95/p99 and errors
per kind of request and exits 1 on any 5xx or connection error.

    .venv/bin/python loadtest/run.py [--duration 60] [--clients 12] [--workers 4]
"""

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DB = "loadtest_compliance"
PORT = 8077
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "load-test-password-0123"
READ_TARGETS = {"p95": 200.0, "p99": 400.0}


def environment():
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "loadtest-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEYS": "bG9hZHRlc3Qtb25seS1maWVsZC1rZXktMDEyMzQ1Njc=",
        "AUDIT_CHECKPOINT_HMAC_KEY": "loadtest-only-hmac-key-0123456789",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/11",
        "REDIS_CACHE_URL": "redis://127.0.0.1:6379/12",
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
    procs = [
        subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "compliance_site.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
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
        ),
    ]
    for _ in range(100):
        try:
            if requests.get(f"{BASE}/healthz", timeout=1).status_code == 200:
                return procs
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(procs)
    sys.exit("gunicorn did not come up")


def stop(procs):
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


class Client:
    def __init__(self, tokens, ids):
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {tokens['load-manager']}"
        self.auditor = requests.Session()
        self.auditor.headers["Authorization"] = f"Token {tokens['load-auditor']}"
        self.pages = requests.Session()
        self.pages.get(f"{BASE}/dashboard/login/")
        self.pages.post(
            f"{BASE}/dashboard/login/",
            data={
                "username": "load-manager",
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.pages.cookies.get("csrftoken"),
            },
            headers={"Referer": f"{BASE}/dashboard/login/"},
        )
        self.ids = ids

    def pick(self):
        choices = [
            (20, "read", "page /dashboard/", lambda: self.pages.get(f"{BASE}/dashboard/")),
            (6, "read", "page /dashboard/findings/", lambda: self.pages.get(f"{BASE}/dashboard/findings/")),
            (10, "read", "GET rules", lambda: self.api.get(f"{BASE}/api/v1/rules/")),
            (10, "read", "GET findings", lambda: self.api.get(f"{BASE}/api/v1/findings/?status=open")),
            (10, "read", "GET evaluations", lambda: self.api.get(f"{BASE}/api/v1/evaluations/")),
            (5, "read", "GET data-sources", lambda: self.api.get(f"{BASE}/api/v1/data-sources/")),
            (8, "read", "GET analytics/dashboard", lambda: self.api.get(f"{BASE}/api/v1/analytics/dashboard/")),
            (5, "read", "GET analytics/trends", lambda: self.api.get(f"{BASE}/api/v1/analytics/trends/?days=90")),
            (8, "read", "GET audit-logs", lambda: self.auditor.get(f"{BASE}/api/v1/audit-logs/")),
            (6, "write", "POST evaluations/bulk (100)", self.bulk),
            (2, "write", "POST reports/{id}/generate", self.generate),
        ]
        weights = [c[0] for c in choices]
        return random.choices(choices, weights=weights)[0][1:]

    def bulk(self):
        now = datetime.now(UTC)
        rows = [
            {
                "rule": random.choice(self.ids["rules"]),
                "data_source": random.choice(self.ids["sources"]),
                "status": random.choice(["passed", "passed", "passed", "failed"]),
                "evaluated_at": (now - timedelta(seconds=random.randint(0, 60))).isoformat(),
            }
            for _ in range(100)
        ]
        return self.api.post(f"{BASE}/api/v1/evaluations/bulk/", json={"evaluations": rows})

    def generate(self):
        created = self.api.post(
            f"{BASE}/api/v1/reports/",
            json={
                "name": "Load test report",
                "report_type": "compliance_status",
                "file_format": "json",
                "access_level": "internal",
            },
        )
        if created.status_code != 201:
            return created
        return self.api.post(f"{BASE}/api/v1/reports/{created.json()['id']}/generate/")


def run_load(tokens, duration, clients):
    probe = requests.Session()
    probe.headers["Authorization"] = f"Token {tokens['load-manager']}"
    ids = {
        "rules": [r["id"] for r in probe.get(f"{BASE}/api/v1/rules/?page_size=500").json()["results"]],
        "sources": [s["id"] for s in probe.get(f"{BASE}/api/v1/data-sources/?page_size=500").json()["results"]],
    }
    samples = defaultdict(list)
    failures = defaultdict(int)
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker():
        client = Client(tokens, ids)
        while time.monotonic() < deadline:
            kind, label, call = client.pick()
            start = time.perf_counter()
            try:
                response = call()
                status = response.status_code
            except requests.RequestException:
                status = 599
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                samples[(kind, label)].append(elapsed)
                if status >= 500 or status in (401, 403):
                    failures[(kind, label, status)] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, failures, time.monotonic() - started


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(samples, failures, elapsed, args):
    total = sum(len(v) for v in samples.values())
    print(
        f"\nLoad test: {args.clients} clients, gunicorn {args.workers} workers, {elapsed:.0f} s, "
        f"{total} requests, {total / elapsed:.1f} req/s, {os.cpu_count()} cores"
    )
    print(f"{'request':<32}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for (_kind, label), values in sorted(samples.items()):
        print(
            f"{label:<32}{len(values):>7}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}"
            f"{percentile(values, 99):>9.1f}"
        )
    reads = [v for (kind, _), values in samples.items() if kind == "read" for v in values]
    p95, p99 = percentile(reads, 95), percentile(reads, 99)
    print(
        f"{'ALL READS':<32}{len(reads):>7}{statistics.median(reads):>9.1f}{p95:>9.1f}{p99:>9.1f}"
        f"   targets p95 < {READ_TARGETS['p95']:.0f}, p99 < {READ_TARGETS['p99']:.0f}: "
        f"{'met' if p95 < READ_TARGETS['p95'] and p99 < READ_TARGETS['p99'] else 'MISSED'}"
    )
    errors = sum(failures.values())
    print(f"errors: {errors}")
    for (_kind, label, status), count in sorted(failures.items()):
        print(f"  {status} x{count}  {label}")
    return errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    env = environment()
    tokens = prepare(env)
    procs = start(env, args.workers)
    try:
        samples, failures, elapsed = run_load(tokens, args.duration, args.clients)
    finally:
        stop(procs)
    sys.exit(1 if report(samples, failures, elapsed, args) else 0)


if __name__ == "__main__":
    main()
