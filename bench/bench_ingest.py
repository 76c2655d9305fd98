"""Evaluation ingest, a live feed and a backfill, beside a raw COPY of rows drawn alike.

    .venv/bin/python bench/bench_ingest.py [--history 1000000] [--batches 4] [--http] [--profile live]

100 rules x 50 data sources (5,000 pairs), 10,000-row batches, on top of `--history`
evaluations spread over the past year (status history and rollups rebuilt to match):

- live feed: every pair evaluated twice per batch, timestamps rising past everything stored;
- backfill: pairs and timestamps drawn at random over the past year (out of order).

In process, `validate_evaluation_rows` + `record_evaluations` (findings, rollups and status
history kept current in the transaction) of each batch are interleaved with a raw COPY of a
batch drawn alike into the same table (rolled back, so the history stays consistent; not the
same rows, whose index pages the first writer would leave warm for the second). With --http the
same batches are also POSTed as JSON to /api/v1/evaluations/bulk/ on a gunicorn started here
(2 workers, production-shaped settings), one request at a time. `--steps` prints where the
time of an in-process batch goes instead (wall time per step, both cases side by side);
`--profile live|backfill` a cProfile of one batch. Own database: DATABASE_URL (default
bench_ingest).
"""

import argparse
import cProfile
import datetime
import json
import os
import pstats
import random
import time
import urllib.request

import orjson
from bench_analytics import DERIVED
from harness import machine_note, settle, setup_django, start_gunicorn
from steps import print_steps, summarise, timed_steps

RULES, SOURCES, BATCH = 100, 50, 10_000
PORT = int(os.environ.get("BENCH_INGEST_PORT", "8093"))


def seed(history):
    from django.db import connection
    from django.utils import timezone

    from common.partitions import ensure_partitions
    from compliance.evaluations.rollups import rebuild_rollups
    from compliance.evaluations.status_history import rebuild_status_history
    from compliance.models import ComplianceRule, DataSource, Framework, RuleEvaluation

    framework, _ = Framework.objects.get_or_create(code="bench-ingest", defaults={"name": "Bench ingest"})
    if ComplianceRule.objects.filter(framework=framework).count() < RULES:
        ComplianceRule.objects.bulk_create(
            [ComplianceRule(name=f"Ingest rule {i}", framework=framework, severity="medium") for i in range(RULES)]
        )
    if DataSource.objects.filter(name__startswith="ingest-src-").count() < SOURCES:
        DataSource.objects.bulk_create(
            [DataSource(name=f"ingest-src-{i}", source_type="server") for i in range(SOURCES)]
        )
    rules = list(ComplianceRule.objects.filter(framework=framework).order_by("pk").values_list("pk", flat=True))
    sources = list(
        DataSource.objects.filter(name__startswith="ingest-src-").order_by("pk").values_list("pk", flat=True)
    )
    have = RuleEvaluation.objects.count()
    if have < history:
        print(f"seeding {history - have:,} evaluations over the past year with generate_series ...", flush=True)
        end = timezone.now() - datetime.timedelta(hours=1)
        ensure_partitions("compliance_ruleevaluation", end - datetime.timedelta(days=366), end)
        ensure_partitions("compliance_statuschange", end - datetime.timedelta(days=366), end)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO compliance_ruleevaluation
                    (rule_id, data_source_id, status, score, evaluated_at, details, duration_ms, source, recorded_at)
                SELECT (%(rules)s::bigint[])[1 + (g %% 100)], (%(sources)s::bigint[])[1 + (g / 100) %% 50],
                       CASE WHEN hashint4(g) %% 10 = 0 THEN 'failed' ELSE 'passed' END, (g %% 101)::float,
                       %(end)s - ((%(n)s - g) * (365 * 86400.0 / %(n)s) || ' seconds')::interval,
                       '{}'::jsonb, 10, 'bench', now()
                FROM generate_series(1, %(n)s) AS g
                """,
                {"rules": rules, "sources": sources, "end": end, "n": history - have},
            )
            for statement in DERIVED:  # LatestEvaluation and findings, as ingest would have left them
                cursor.execute(statement)
        rebuild_status_history()
        rebuild_rollups()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return rules, sources


def payloads(rules, sources, batches, kind, rng):
    """`batches` lists of row dicts (the JSON a collector sends)."""
    from django.db.models import Max
    from django.utils import timezone

    from compliance.models import RuleEvaluation

    pairs = [(r, s) for r in rules for s in sources]
    now = timezone.now()
    out = []
    if kind == "live":
        # Rising timestamps past the newest stored one (and before now: never "in the future").
        at = max(RuleEvaluation.objects.aggregate(m=Max("evaluated_at"))["m"] or now, now - datetime.timedelta(hours=1))
        for _ in range(batches):
            rows = []
            for _ in range(BATCH // len(pairs)):
                at += datetime.timedelta(milliseconds=10)
                rows += [_row(pair, at, rng) for pair in pairs]
            out.append(rows)
    else:
        year = 365 * 86400
        for _ in range(batches):
            out.append(
                [
                    _row(rng.choice(pairs), now - datetime.timedelta(hours=2, seconds=rng.random() * year), rng)
                    for _ in range(BATCH)
                ]
            )
    return out


def _row(pair, at, rng):
    return {
        "rule": pair[0],
        "data_source": pair[1],
        "status": "failed" if rng.random() < 0.1 else "passed",
        "score": float(rng.randrange(101)),
        "evaluated_at": at.isoformat(),
        "duration_ms": 12,
    }


def ours_in_process(body):
    from compliance.evaluations import record_evaluations, validate_evaluation_rows

    start = time.perf_counter()
    rows, errors = validate_evaluation_rows(orjson.loads(body))  # the API's parser
    assert not errors, errors[:3]
    record_evaluations(rows=rows, source="bench")
    return time.perf_counter() - start


def raw_copy(conn, payload):
    """COPY the rows into the same table in a transaction that is rolled back."""
    start = time.perf_counter()
    with conn.transaction(force_rollback=True), conn.cursor() as cursor:
        with cursor.copy(
            "COPY compliance_ruleevaluation (rule_id, data_source_id, status, score, evaluated_at, "
            "details, duration_ms, source, recorded_at) FROM STDIN"
        ) as copy:
            for r in payload:
                copy.write_row(
                    (r["rule"], r["data_source"], r["status"], r["score"], r["evaluated_at"], "{}", 12, "copy", "now")
                )
        elapsed = time.perf_counter() - start
    return elapsed


def post(token, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/v1/evaluations/bulk/",
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        assert response.status == 201, response.status
    return time.perf_counter() - start


def token():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from common.roles import COMPLIANCE_MANAGER, ensure_builtin_roles
    from compliance_site.tokens import issue_token

    ensure_builtin_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench-ingest")
    user.groups.add(Group.objects.get(name=COMPLIANCE_MANAGER))
    return issue_token(user=user, name="bench ingest")[1]


def profile(rules, sources, kind, rng):
    body = json.dumps(payloads(rules, sources, 1, kind, rng)[0]).encode()
    profiler = cProfile.Profile()
    profiler.runcall(ours_in_process, body)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def steps(rules, sources, batches, rng):
    """Per-step wall times of `batches` committed in-process batches of each kind."""
    from compliance.evaluations import record_evaluations, validate_evaluation_rows

    columns = {}
    for kind in ("live", "backfill"):
        settle()
        samples = []
        for body in (json.dumps(p).encode() for p in payloads(rules, sources, batches, kind, rng)):
            began = time.perf_counter()
            rows, errors = validate_evaluation_rows(orjson.loads(body))
            parsed = time.perf_counter()
            assert not errors, errors[:3]
            with timed_steps() as spent:
                record_evaluations(rows=rows, source="bench")
            whole = time.perf_counter() - parsed
            samples.append((whole, {"JSON parse + validation": parsed - began, **spent}))
        columns[kind] = summarise(samples)
    print(f"\nIngest steps — {machine_note()}; load average {os.getloadavg()[0]:.1f}")
    print_steps(columns)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--profile", choices=["live", "backfill"])
    parser.add_argument("--steps", action="store_true", help="where an in-process batch's time goes, per step")
    # A fixed seed would send the same backfill again on the next run of the same database,
    # each row landing beside its twin of the run before, where it changes no status.
    parser.add_argument("--seed", type=int, default=None, help="repeat a run's batches (default: fresh, printed)")
    args = parser.parse_args()
    draw = random.SystemRandom().randrange(2**32) if args.seed is None else args.seed
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_ingest")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance_site.bench_settings")
    setup_django()
    import psycopg
    from django.db import connection

    from common.startup import freeze_start_up_objects

    rules, sources = seed(args.history)
    freeze_start_up_objects()  # as the web workers do at start-up (compliance_site/wsgi.py)
    print(f"batches drawn with --seed {draw}")
    if args.profile:
        return profile(rules, sources, args.profile, random.Random(draw))
    if args.steps:
        return steps(rules, sources, args.batches, random.Random(draw))
    rng = random.Random(draw)
    raw = psycopg.connect(os.environ["DATABASE_URL"].replace("postgres://", "postgresql://"))
    gunicorn = None
    if args.http:
        gunicorn = start_gunicorn({**os.environ, "LOG_LEVEL": "WARNING"}, port=PORT, workers=2)
    api_token = token() if args.http else None
    connection.close()
    print(
        f"\nIngest benchmark — {machine_note()}; {RULES} rules x {SOURCES} sources, {BATCH:,}-row batches "
        f"x {args.batches}, on {args.history:,} stored evaluations; load average {os.getloadavg()[0]:.1f}"
    )
    figures = {}
    try:
        for kind in ("live", "backfill"):
            # Three batches drawn alike per round, one for each path: the same rows twice would
            # find warm the index pages the first writer read.
            bodies = [json.dumps(p).encode() for p in payloads(rules, sources, args.batches * 3, kind, rng)]
            settle()
            ours = copy = http = 0.0
            for i in range(args.batches):  # interleaved: load from elsewhere hits each alike
                copy += raw_copy(raw, json.loads(bodies[3 * i]))
                ours += ours_in_process(bodies[3 * i + 1])
                if args.http:
                    http += post(api_token, bodies[3 * i + 2])
            n = args.batches * BATCH
            figures[kind] = (n / ours, n / copy, n / http if http else None)
            line = (
                f"{kind + ' (in process)':<24} ours {n / ours:8,.0f} ev/s   raw COPY {n / copy:8,.0f} ev/s   "
                f"ratio {ours / copy:4.2f}x (target <= 2x: {'meets' if ours / copy <= 2 else 'MISSES'})"
            )
            if args.http:
                line += f"   HTTP {n / http:8,.0f} ev/s"
            print(line, flush=True)
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        raw.close()
    live, backfill = figures["live"], figures["backfill"]
    print(
        f"backfill / live, in process: {live[0] / backfill[0]:4.2f}x slower (target <= 1.5x); "
        f"raw COPY's own: {live[1] / backfill[1]:4.2f}x (rows scattered over a year of partitions and indexes)"
    )
    if args.http:
        print(
            f"HTTP: live {live[2]:,.0f} ev/s (target >= 10,000: {'meets' if live[2] >= 10_000 else 'MISSES'}), "
            f"backfill {live[2] / backfill[2]:4.2f}x slower (target <= 1.5x); HTTP vs raw COPY: live "
            f"{live[1] / live[2]:4.2f}x, backfill {backfill[1] / backfill[2]:4.2f}x"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
