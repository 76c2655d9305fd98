"""Do the figures stay flat as the history grows? The same measures at a small and a big size.

    .venv/bin/python bench/bench_scale.py [--sizes 1000000,10000000] [--reuse]
    BENCH_SCALE_SIZES=1000000,100000000 make bench-scale

For each size, a database of its own (bench_scale_<size>) is filled in SQL with
generate_series (the ORM would take days at 100M): 240 rules x 250 data sources over the
last 400 days, the raw rows loaded into their monthly partitions, then rollups and status
history rebuilt from them. Then, each a median: ingest of 10,000-row batches (in process
beside a raw COPY of a batch drawn alike, and through the API, for a live feed and an out-of-order
backfill), the evaluations list (first page, and a cursor page 300 days deep), dashboard,
365-day trends, the score as of a year ago, regressions over a quarter, an OSCAL
assessment-results export, and dropping the oldest month's partition (verification
included); disk bytes per evaluation (table and indexes); what storing only changes
would save. Printed side by side with the ratio big/small (goal <= 1.3).
"""

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from bench_analytics import DERIVED, GENERATE, SHAPE, client
from harness import settle, setup_django
from steps import summarise, timed_steps

DAYS = 400
EVALUATIONS = """
INSERT INTO compliance_ruleevaluation (rule_id, data_source_id, status, score, evaluated_at, details, duration_ms,
    source, recorded_at)
SELECT r.ids[1 + g %% array_length(r.ids, 1)],
       s.ids[1 + (g / array_length(r.ids, 1)) %% array_length(s.ids, 1)],
       CASE WHEN h < 70 THEN 'passed' WHEN h < 85 THEN 'failed' WHEN h < 90 THEN 'error' ELSE 'not_applicable' END,
       CASE WHEN h < 90 THEN (h * 37 %% 1000) / 10.0 END,
       now() - interval '1 hour' - ((g * 40503) %% 1000033 %% %(days)s) * interval '1 day'
             - ((g * 7919) %% 86400) * interval '1 second',
       '{}', 20 + (g * 13) %% 500, 'bench', now()
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) g
CROSS JOIN LATERAL (SELECT ((g * 2654435761) %% 1000003 %% 100)::int AS h) x,
     (SELECT array_agg(id ORDER BY id) ids FROM compliance_compliancerule) r,
     (SELECT array_agg(id ORDER BY id) ids FROM compliance_datasource) s
"""


def generate(rows):
    from django.db import connection, transaction
    from django.utils import timezone

    from common.partitions import ensure_partitions
    from compliance.evaluations.rollups import rebuild_rollups
    from compliance.evaluations.status_history import rebuild_status_history

    table = "compliance_ruleevaluation"
    now = timezone.now()
    for name in (table, "compliance_statuschange"):
        ensure_partitions(name, now - timedelta(days=DAYS + 1), now)
    with connection.cursor() as cursor:
        for statement in GENERATE:
            cursor.execute(statement, SHAPE)
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        began = time.perf_counter()
        chunk = 2_000_000
        for start in range(1, rows + 1, chunk):
            cursor.execute(EVALUATIONS, {"start": start, "stop": min(rows, start + chunk - 1), "days": DAYS})
            print(
                f"  evaluations {min(rows, start + chunk - 1):>12,} ({time.perf_counter() - began:.0f} s)", flush=True
            )
        began = time.perf_counter()
        for _, definition in indexes:
            # A partitioned table's index prints as "ON ONLY parent": rebuild it on every partition.
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        print(f"  {len(indexes)} indexes rebuilt ({time.perf_counter() - began:.0f} s)", flush=True)
        for statement in DERIVED:
            cursor.execute(statement)
    began = time.perf_counter()
    with transaction.atomic():
        rebuild_rollups()
    written = rebuild_status_history()
    print(f"  rollups and status history rebuilt: {written:,} changes ({time.perf_counter() - began:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def median_ms(fn, repeat):
    fn()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def batch(*, backfill, seed):
    """10,000 raw rows over 100 rules x 50 sources: a live feed (now, rising) or a year's
    backfill in random order."""
    from django.utils import timezone

    from compliance.evaluations.retention import horizon
    from compliance.models import ComplianceRule, DataSource

    rules = list(ComplianceRule.objects.order_by("pk").values_list("pk", flat=True)[:100])
    sources = list(DataSource.objects.order_by("pk").values_list("pk", flat=True)[:50])
    randomizer = random.Random(seed)
    now = timezone.now()
    # Never before what an earlier run's partition drop left (nothing can be recorded there).
    span = 365 * 86400
    if (dropped_before := horizon()) is not None:
        span = min(span, int((now - dropped_before).total_seconds()) - 1)
    rows = []
    for i in range(10_000):
        if backfill:
            at = now - timedelta(seconds=randomizer.randrange(span))
        else:
            at = now - timedelta(milliseconds=10_000 - i)
        status = randomizer.choice(("passed", "passed", "passed", "failed", "error", "not_applicable"))
        rows.append(
            {
                "rule": rules[i % 100],
                "data_source": sources[(i // 100) % 50],
                "status": status,
                "score": None if status == "not_applicable" else float(randomizer.randrange(101)),
                "evaluated_at": at.isoformat(),
                "duration_ms": randomizer.randrange(900),
            }
        )
    return rows


def in_process_ingest(*, backfill, rounds=2):
    """(evaluations/s of record_evaluations, of a raw COPY of a batch drawn alike, {step: mean
    ms} of record_evaluations), rolled back.

    Not the same rows: beyond memory, the second of two writers of the same rows finds the
    index pages the first just read (a raw COPY of a backfill into 100M: ~0.35 s after our
    ingest of those rows, 3-5 s on its own)."""
    from django.db import connection, transaction

    from compliance.evaluations import record_evaluations, validate_evaluation_rows

    ours, raw, samples = [], [], []
    settle()  # earlier batches' rolled-back updates leave dead rows behind
    for round_ in range(rounds):
        payload = batch(backfill=backfill, seed=round_)
        rows, errors = validate_evaluation_rows(payload)
        assert not errors
        with transaction.atomic(), timed_steps() as spent:
            began = time.perf_counter()
            record_evaluations(rows=rows, source="bench")
            ours.append(time.perf_counter() - began)
            transaction.set_rollback(True)
        samples.append((ours[-1], spent))
        rows, errors = validate_evaluation_rows(batch(backfill=backfill, seed=1000 + round_))
        assert not errors
        with transaction.atomic(), connection.cursor() as cursor:
            began = time.perf_counter()
            with cursor.cursor.copy(
                "COPY compliance_ruleevaluation (rule_id, data_source_id, status, score, evaluated_at, details, "
                "duration_ms, source, recorded_at) FROM STDIN"
            ) as copy:
                for r in rows:
                    copy.write_row(
                        (
                            r.rule_id,
                            r.data_source_id,
                            r.status,
                            r.score,
                            r.evaluated_at,
                            "{}",
                            r.duration_ms,
                            "copy",
                            r.evaluated_at,
                        )
                    )
            raw.append(time.perf_counter() - began)
            transaction.set_rollback(True)
    return 10_000 / statistics.median(ours), 10_000 / statistics.median(raw), summarise(samples)


def api_ingest(api, *, backfill, rounds=2):
    """Evaluations/s of POST /api/v1/evaluations/bulk/ (committed), JSON encoded beforehand."""
    # Committed, so drawn afresh each run: a --reuse run's backfill with the last run's seeds
    # would land each row beside its twin, where it changes no status.
    draw = random.SystemRandom().randrange(2**32)
    bodies = [json.dumps(batch(backfill=backfill, seed=draw + r)) for r in range(rounds)]
    settle()
    times = []
    for body in bodies:
        began = time.perf_counter()
        response = api.post("/api/v1/evaluations/bulk/", body, content_type="application/json")
        times.append(time.perf_counter() - began)
        assert response.status_code == 201, response.content[:300]
    return 10_000 / statistics.median(times)


def deep_cursor(days):
    from django.utils import timezone

    at = (timezone.now() - timedelta(days=days)).isoformat()
    payload = json.dumps({"t": at, "i": 2**62, "r": 0})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def disk_and_heartbeats():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid)) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'compliance_ruleevaluation'::regclass"
        )
        table, indexes = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM compliance_ruleevaluation")
        (count,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM compliance_statuschange")
        (changes,) = cursor.fetchone()
    return {"table": table / count, "indexes": indexes / count, "count": count, "changes": changes}


def measure(size, repeat):
    from django.utils import timezone

    from common import partitions
    from compliance.models import Framework
    from compliance.oscal.assessment_results import export_assessment_results

    api = client()
    today = timezone.now().date()
    figures = {}

    def get(url):
        def run():
            response = api.get(url)
            assert response.status_code == 200, (url, response.content[:300])

        return run

    for backfill in (False, True):
        label = "backfill" if backfill else "live"
        ours, raw, spent = in_process_ingest(backfill=backfill)
        figures[f"ingest in process, {label} (ev/s)"] = ours
        figures[f"raw COPY of a batch alike, {label} (ev/s)"] = raw
        figures[f"COPY / ingest in process, {label} (x)"] = raw / ours
        for step, ms in spent.items():  # where a batch's time goes, beside the other size's
            figures[f"{label} step: {step.strip()} (ms)"] = ms
    for backfill in (False, True):
        label = "backfill" if backfill else "live"
        figures[f"POST bulk/ 10,000 rows, {label} (ev/s)"] = api_ingest(api, backfill=backfill)
    bench1 = Framework.objects.get(code="bench1")
    reads = {
        "evaluations list, first page (ms)": get("/api/v1/evaluations/?page_size=100"),
        "evaluations list, cursor 300 days deep (ms)": get(
            f"/api/v1/evaluations/?page_size=100&cursor={deep_cursor(300)}"
        ),
        "dashboard (ms)": get("/api/v1/analytics/dashboard/"),
        "trends 365 days (ms)": get("/api/v1/analytics/trends/?days=365"),
        "score as of a year ago (ms)": get(f"/api/v1/analytics/score-as-of/?date={today - timedelta(days=365)}"),
        "regressions over a quarter (ms)": get(
            f"/api/v1/analytics/regressions/?start={today - timedelta(days=90)}&end={today}"
        ),
        "OSCAL assessment results, one framework (ms)": lambda: export_assessment_results(framework=bench1),
    }
    for label, fn in reads.items():
        figures[label] = median_ms(fn, repeat if "OSCAL" not in label else 3)
    disk = disk_and_heartbeats()
    figures["bytes per evaluation, table"] = disk["table"]
    figures["bytes per evaluation, indexes"] = disk["indexes"]
    figures["status changes per evaluation (heartbeat share = 1 - this)"] = disk["changes"] / disk["count"]
    oldest = next(p for p in partitions.partitions("compliance_ruleevaluation") if not p.is_default)
    began = time.perf_counter()
    problems = partitions.spec("compliance_ruleevaluation").verify(oldest)
    figures["verify oldest month's partition (ms)"] = (time.perf_counter() - began) * 1000
    assert not problems, problems
    began = time.perf_counter()
    partitions.drop_partition("compliance_ruleevaluation", oldest)
    figures["verify + detach + drop it (ms)"] = (time.perf_counter() - began) * 1000
    return figures


def time_migration():
    """Seconds for the migration's conversion (common.partitions.convert_to_partitioned) of a
    plain table holding a copy of this database's evaluations, with the same indexes, and
    for peeling one month off the resulting legacy partition. The copy is dropped after."""
    from django.db import connection

    from common import partitions

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS mig_copy CASCADE")
        cursor.execute(
            "CREATE TABLE mig_copy (LIKE compliance_ruleevaluation INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute("ALTER TABLE mig_copy ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        cursor.execute("INSERT INTO mig_copy SELECT * FROM compliance_ruleevaluation")
        cursor.execute("ALTER TABLE mig_copy ADD PRIMARY KEY (id)")
        for columns in (
            "rule_id, data_source_id, evaluated_at DESC",
            "evaluated_at DESC, id DESC",
            "data_source_id, evaluated_at DESC",
            "rule_id",
            "data_source_id",
        ):
            cursor.execute(f"CREATE INDEX ON mig_copy ({columns})")
        cursor.execute("VACUUM ANALYZE mig_copy")
        cursor.execute("SELECT count(*) FROM mig_copy")
        (rows,) = cursor.fetchone()
    partitions.register("mig_copy", "evaluated_at")
    began = time.perf_counter()
    with transaction_atomic():
        partitions.convert_to_partitioned("mig_copy", "evaluated_at")
    converted = time.perf_counter() - began
    began = time.perf_counter()
    partitions.split_oldest("mig_copy")
    split = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE mig_copy CASCADE")
    return {"rows": rows, "convert (s)": converted, "split one month off (s)": split}


def transaction_atomic():
    from django.db import transaction

    return transaction.atomic()


def run_one(size, *, reuse, repeat, load_only=False, migration=False):
    """Load (unless reused) and measure one size in this process; print its figures as JSON."""
    database = f"bench_scale_{size}"
    setup_django(database, fresh=not reuse, settings_module="compliance_site.bench_settings")
    from compliance.models import RuleEvaluation

    if not RuleEvaluation.objects.exists():
        print(f"generating {size:,} evaluations in {database} …", flush=True)
        began = time.perf_counter()
        generate(size)
        print(f"  loaded in {time.perf_counter() - began:.0f} s", flush=True)
    if migration:
        print("MIGRATION " + json.dumps(time_migration()), flush=True)
        return
    if load_only:
        return
    print("RESULT " + json.dumps({k: float(v) for k, v in measure(size, repeat).items()}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SCALE_SIZES", "1000000,10000000"))
    parser.add_argument("--reuse", action="store_true", help="measure databases left by an earlier run")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--load-only", action="store_true", help="fill the databases, measure nothing")
    parser.add_argument("--migration", action="store_true", help="time the partitioning migration at each size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in a process of its own
    args = parser.parse_args()
    if args.one:
        run_one(args.one, reuse=args.reuse, repeat=args.repeat, load_only=args.load_only, migration=args.migration)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        command = [sys.executable, __file__, "--one", str(size), "--repeat", str(args.repeat)]
        command += ["--reuse"] * args.reuse + ["--load-only"] * args.load_only + ["--migration"] * args.migration
        process = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        for line in process.stdout.splitlines():
            if line.startswith("MIGRATION "):
                print(f"{size:,}: partitioning migration {line[len('MIGRATION ') :]}", flush=True)
            elif line.startswith("RESULT "):
                results[size] = json.loads(line[len("RESULT ") :])
            else:
                print(line, flush=True)
    if args.load_only or args.migration:
        return
    small, big = sizes[0], sizes[-1]
    print(f"\n{'':<62} {small:>14,} {big:>14,}   ratio")
    for label, value in results[small].items():
        other = results[big][label]
        print(f"{label:<62} {value:>14,.2f} {other:>14,.2f}   {other / value if value else float('inf'):5.2f}")
    print(
        "load average (1, 5, 15 min): " + ", ".join(f"{v:.1f}" for v in os.getloadavg()) + f" on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
