"""Analytics speed at scale: our endpoints beside a live aggregation over the raw rows.

A script, not a test: `python bench/bench_analytics.py [--rows 10000000] [--reuse]`.
Data lives in its own database (bench_analytics), generated in SQL with generate_series
(the ORM would take hours for 10M rows); `--reuse` measures it again (migrating it first).
Prints the evaluation count actually used, the median of each endpoint and of the
analytics function behind it, the live SQL's median (runs alternate), the ratios, and
the ingest rate of a 10,000-row batch on top of the 10M rows.
"""

import argparse
import os
import statistics
import time
from datetime import timedelta

from harness import setup_django

DATABASE = "bench_analytics"


SHAPE = {"frameworks": 6, "controls_per_framework": 40, "rules": 240, "sources": 250}

GENERATE = [
    """INSERT INTO compliance_framework (code, name, version, issuer, description, is_active, is_builtin,
           workflow_access_level, created_at, updated_at)
       SELECT 'bench' || i, 'Bench framework ' || i, '1', '', '', true, false, '', now(), now()
       FROM generate_series(1, %(frameworks)s) i""",
    """INSERT INTO compliance_control (framework_id, parent_id, ref_id, title, description, is_group, sort_order,
           parameters, implementation_status, not_applicable_justification, created_at, updated_at)
       SELECT f.id, NULL, 'C-' || i, 'Control ' || i, '', false, i, '[]', 'implemented', '', now(), now()
       FROM compliance_framework f, generate_series(1, %(controls_per_framework)s) i""",
    """INSERT INTO compliance_compliancerule (name, description, framework_id, severity, rule_type, is_active, tags,
           remediation, created_at, updated_at)
       SELECT 'Bench rule ' || i, '', f.ids[1 + i %% array_length(f.ids, 1)],
              (ARRAY['low','medium','high','critical'])[1 + i %% 4], 'automated', true, '[]', '', now(), now()
       FROM generate_series(1, %(rules)s) i, (SELECT array_agg(id ORDER BY id) ids FROM compliance_framework) f""",
    """INSERT INTO compliance_compliancerule_controls (compliancerule_id, control_id)
       SELECT r.id, (SELECT c.id FROM compliance_control c WHERE c.framework_id = r.framework_id
                     ORDER BY c.id OFFSET r.id %% %(controls_per_framework)s LIMIT 1)
       FROM compliance_compliancerule r""",
    """INSERT INTO compliance_datasource (name, description, source_type, environment, criticality, tags, is_active,
           created_at, updated_at)
       SELECT 'bench-source-' || i, '', 'server', 'production', 'medium', '[]', true, now(), now()
       FROM generate_series(1, %(sources)s) i""",
]

# One chunk of evaluations: every (rule, source) pair in turn, at pseudo-random days of the
# last year and seconds of the day; about 70%% passed, 15%% failed, 5%% error, 10%% not
# applicable, drawn afresh for every evaluation, so a pair's status changes at about half
# of its evaluations (the status history's worst case; real statuses are stickier).
EVALUATIONS = """
INSERT INTO compliance_ruleevaluation (rule_id, data_source_id, status, score, evaluated_at, details, duration_ms,
    source, recorded_at)
SELECT r.ids[1 + g %% array_length(r.ids, 1)],
       s.ids[1 + (g / array_length(r.ids, 1)) %% array_length(s.ids, 1)],
       CASE WHEN h < 70 THEN 'passed' WHEN h < 85 THEN 'failed' WHEN h < 90 THEN 'error' ELSE 'not_applicable' END,
       CASE WHEN h < 90 THEN (h * 37 %% 1000) / 10.0 END,
       now() - interval '5 minutes' - ((g * 40503) %% 1000033 %% 365) * interval '1 day'
             - ((g * 7919) %% 86400) * interval '1 second',
       '{}', 20 + (g * 13) %% 500, 'bench', now()
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) g
CROSS JOIN LATERAL (SELECT ((g * 2654435761) %% 1000003 %% 100)::int AS h) x,
     (SELECT array_agg(id ORDER BY id) ids FROM compliance_compliancerule) r,
     (SELECT array_agg(id ORDER BY id) ids FROM compliance_datasource) s
"""

DERIVED = [
    """INSERT INTO compliance_latestevaluation (rule_id, data_source_id, evaluation_id, status, score, evaluated_at)
       SELECT DISTINCT ON (rule_id, data_source_id) rule_id, data_source_id, id, status, score, evaluated_at
       FROM compliance_ruleevaluation ORDER BY rule_id, data_source_id, evaluated_at DESC, id DESC""",
    """INSERT INTO compliance_finding (rule_id, data_source_id, title, severity, status, first_seen_at, last_seen_at,
           opened_at, recurrence_count, occurrences, last_evaluation_id, notes, created_at, updated_at)
       SELECT l.rule_id, l.data_source_id, 'Bench finding', r.severity, 'open', l.evaluated_at, l.evaluated_at,
              l.evaluated_at, 0, 1, l.evaluation_id, '', now(), now()
       FROM compliance_latestevaluation l JOIN compliance_compliancerule r ON r.id = l.rule_id
       WHERE l.status = 'failed'""",
]

LIVE_TRENDS = """
SELECT (evaluated_at AT TIME ZONE 'UTC')::date AS day, count(*), count(*) FILTER (WHERE status = 'passed'),
       count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'not_applicable'), avg(score)
FROM compliance_ruleevaluation WHERE evaluated_at >= now() - interval '365 days' GROUP BY 1 ORDER BY 1
"""
LIVE_DASHBOARD = """
SELECT count(*), count(*) FILTER (WHERE evaluated_at >= now() - interval '24 hours'),
       count(*) FILTER (WHERE evaluated_at >= now() - interval '7 days'),
       count(*) FILTER (WHERE evaluated_at >= now() - interval '30 days')
FROM compliance_ruleevaluation
"""
LIVE_FRAMEWORK_TRENDS = LIVE_TRENDS.replace(
    "GROUP BY",
    """AND rule_id IN (SELECT r.id FROM compliance_compliancerule r
    JOIN compliance_framework f ON f.id = r.framework_id WHERE f.code = 'bench1') GROUP BY""",
)
LIVE_DISTRIBUTION = """
SELECT r.framework_id, count(DISTINCT e.data_source_id) FROM compliance_ruleevaluation e
JOIN compliance_compliancerule r ON r.id = e.rule_id WHERE r.is_active GROUP BY 1
"""
# The status of each pair at a moment, one index probe per pair: what score_as_of did before
# the status history (and the fastest live plan at hand: a DISTINCT ON sorts every row).
LIVE_AS_OF = """
SELECT l.rule_id, e.status, count(*) FROM compliance_latestevaluation l CROSS JOIN LATERAL (
    SELECT status FROM compliance_ruleevaluation r WHERE r.rule_id = l.rule_id AND r.data_source_id = l.data_source_id
    AND r.evaluated_at < (now() AT TIME ZONE 'UTC')::date - %s + 1 ORDER BY r.evaluated_at DESC, r.id DESC LIMIT 1
) e GROUP BY 1, 2
"""


def generate(rows):
    from django.db import connection, transaction
    from django.utils import timezone

    from common.partitions import ensure_partitions
    from compliance.evaluations.rollups import rebuild_rollups
    from compliance.evaluations.status_history import rebuild_status_history

    chunk = 1_000_000
    table = "compliance_ruleevaluation"
    for name in (table, "compliance_statuschange"):  # the year's monthly partitions, before any row
        ensure_partitions(name, timezone.now() - timedelta(days=366), timezone.now())
    with connection.cursor() as cursor:
        for statement in GENERATE:
            cursor.execute(statement, SHAPE)
        # Bulk-load practice: secondary indexes are rebuilt once after the load, and the
        # (consistent by construction) foreign-key checks are skipped for the raw rows only.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
        for start in range(1, rows + 1, chunk):
            began = time.perf_counter()
            cursor.execute(EVALUATIONS, {"start": start, "stop": min(rows, start + chunk - 1)})
            print(
                f"  evaluations {min(rows, start + chunk - 1):>11,} ({time.perf_counter() - began:.1f} s)", flush=True
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        began = time.perf_counter()
        for _, definition in indexes:
            # A partitioned table's index prints as "ON ONLY parent": rebuild it on every partition.
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        print(f"  {len(indexes)} indexes rebuilt ({time.perf_counter() - began:.1f} s)", flush=True)
        for statement in DERIVED:  # triggers on LatestEvaluation are on again: status counts follow
            cursor.execute(statement)
    began = time.perf_counter()
    with transaction.atomic():
        written = rebuild_rollups()
    print(f"  rollups rebuilt from raw rows: {written:,} rows ({time.perf_counter() - began:.1f} s)", flush=True)
    began = time.perf_counter()
    written = rebuild_status_history()
    print(f"  status history rebuilt: {written:,} changes ({time.perf_counter() - began:.1f} s)", flush=True)


def client():
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from compliance_site.tokens import issue_token

    user, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    _, text = issue_token(user=user, name="bench")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return api


def sql_runner(sql, params=()):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for values in params or [None]:
                cursor.execute(sql, values)
                cursor.fetchall()

    return run


def alternating(ours, live, *, repeat, rounds=3):
    """Medians in ms of `ours` (each callable) and `live`, taken in rounds that alternate them,
    so a burst of load on the shared machine hits both."""
    samples = [[] for _ in ours] + [[]]
    for fn in ours:
        fn()
    for _ in range(rounds):
        for index, fn in enumerate(ours):
            for _ in range(max(1, repeat // rounds)):
                began = time.perf_counter()
                fn()
                samples[index].append((time.perf_counter() - began) * 1000)
        if live is not None:
            began = time.perf_counter()
            live()
            samples[-1].append((time.perf_counter() - began) * 1000)
    return [statistics.median(values) if values else None for values in samples]


def ingest_throughput():
    """One 10,000-row batch through record_evaluations (rolled back), evaluations per second."""
    from django.db import transaction
    from django.utils import timezone

    from compliance.evaluations import EvaluationRow, ingest
    from compliance.evaluations.rollups import add_evaluations
    from compliance.models import ComplianceRule, DataSource

    rules = list(ComplianceRule.objects.values_list("pk", flat=True)[:40])
    sources = list(DataSource.objects.values_list("pk", flat=True)[:250])
    now = timezone.now()
    rows = [
        EvaluationRow(
            rule_id=rules[i % len(rules)],
            data_source_id=sources[(i // len(rules)) % len(sources)],
            status=("passed", "failed", "error", "not_applicable")[i % 4],
            score=float(i % 100),
            evaluated_at=now - timedelta(minutes=i % 1440),
            details={},
            duration_ms=i % 900,
            source="bench",
        )
        for i in range(10_000)
    ]
    timings, rollup_ms, history_ms = [], [], []
    keep_history = ingest.record_status_changes

    def timed_history(*args):  # the status-history step alone, timed inside the real ingest
        began = time.perf_counter()
        keep_history(*args)
        history_ms.append((time.perf_counter() - began) * 1000)

    ingest.record_status_changes = timed_history
    for _ in range(3):
        with transaction.atomic():
            began = time.perf_counter()
            result = ingest.record_evaluations(rows=rows)
            timings.append(time.perf_counter() - began)
            began = time.perf_counter()
            add_evaluations(result.evaluations)  # the rollup step alone, timed on the same batch
            rollup_ms.append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)
    ingest.record_status_changes = keep_history
    best = statistics.median(timings)
    return len(rows) / best, statistics.median(rollup_ms), statistics.median(history_ms)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reuse", action="store_true", help="measure the data already in bench_analytics")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup_django(DATABASE, fresh=not args.reuse)
    from django.db import connection

    from compliance.models import RuleEvaluation

    if not args.reuse:
        print(f"generating {args.rows:,} evaluations in a fresh {DATABASE} database …", flush=True)
        generate(args.rows)
    count = RuleEvaluation.objects.count()
    with connection.cursor() as cursor:
        # A settled database, as autovacuum keeps one: earlier runs' rolled-back ingest
        # batches leave dead rows, and a fresh build has no statistics or visibility map.
        began = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE ({time.perf_counter() - began:.1f} s)", flush=True)
        cursor.execute("SELECT count(*) FROM compliance_latestevaluation")
        pairs = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM compliance_evaluationrollup")
        rollups = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM compliance_statuschange")
        changes = cursor.fetchone()[0]
    print(
        f"\nevaluations used: {count:,}   (rule, source) pairs: {pairs:,}   rollup rows: {rollups:,}   "
        f"status changes: {changes:,}"
    )

    api = client()
    measured = measure(api, repeat=args.repeat)
    print(
        f"\n{'median of %d (live: of 3), alternating' % args.repeat:<52} {'endpoint':>9} {'function':>9}  "
        f"{'live SQL':>11}  ratio"
    )
    for label, endpoint, function, live in measured:
        live_text = f"{live:8.1f} ms" if live is not None else f"{'-':>11}"
        ratio = f"{live / endpoint:6.0f}x faster" if live else ""
        print(f"{label:<52} {endpoint:6.1f} ms {function:6.1f} ms  {live_text}  {ratio}")
    print("target: 50 ms median for trends?days=365 and dashboard at 10,000,000 evaluations")
    # Wall-clock medians on a shared machine: the load says how much of it was ours.
    print(
        "load average (1, 5, 15 min): "
        + ", ".join(f"{value:.1f}" for value in os.getloadavg())
        + f" on {os.cpu_count()} cores"
    )
    rate, rollup_ms, history_ms = ingest_throughput()
    print(
        f"\ningest: {rate:,.0f} evaluations/s for a 10,000-row batch (rollup aggregation + upsert "
        f"{rollup_ms:.1f} ms, status history {history_ms:.1f} ms of it); target >= 10,000/s"
    )


def measure(api, *, repeat):
    """[(label, endpoint ms, function ms, live SQL ms or None)] for every analytics read."""
    from django.utils import timezone

    from compliance import analytics
    from compliance.models import Framework
    from compliance_site import dashboard as site_dashboard

    today = timezone.now().date()
    month_ago, two_months_ago = today - timedelta(days=30), today - timedelta(days=60)
    bench1 = Framework.objects.get(code="bench1")
    cases = (
        ("trends/?days=365", lambda: analytics.trend(days=365), sql_runner(LIVE_TRENDS)),
        ("dashboard/", site_dashboard.dashboard_stats, sql_runner(LIVE_DASHBOARD)),
        ("framework-distribution/", analytics.framework_distribution, sql_runner(LIVE_DISTRIBUTION)),
        (
            "trends/?days=365&framework=bench1",
            lambda: analytics.trend(days=365, framework=bench1),
            sql_runner(LIVE_FRAMEWORK_TRENDS),
        ),
        (f"score-as-of/?date={month_ago}", lambda: analytics.score_as_of(month_ago), sql_runner(LIVE_AS_OF, [[30]])),
        (
            f"score-as-of/?date={month_ago}&framework=bench1",
            lambda: analytics.score_as_of(month_ago, framework=bench1),
            None,
        ),
        (
            f"regressions/?start={two_months_ago}&end={month_ago}",
            lambda: analytics.regressions(two_months_ago, month_ago, limit=50),
            sql_runner(LIVE_AS_OF, [[60], [30]]),
        ),
    )
    results = []
    for label, function, live in cases:

        def request(url=f"/api/v1/analytics/{label}"):
            response = api.get(url)
            assert response.status_code == 200, response.content[:300]

        endpoint, in_process, live_ms = alternating([request, function], live, repeat=repeat)
        results.append((f"GET /api/v1/analytics/{label}", endpoint, in_process, live_ms))
    moment = timezone.now() - timedelta(days=30)  # what a report asks: its period's start, an instant
    in_process, _ = alternating([lambda: analytics.score_as_of(moment)], None, repeat=repeat)
    results.append(("score_as_of(now - 30 days), a report's instant", in_process, in_process, None))
    return results


if __name__ == "__main__":
    main()
