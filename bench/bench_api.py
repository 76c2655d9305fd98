"""List endpoints and bulk ingest, beside hand-written floors measured in the same run.

    .venv/bin/python bench/bench_api.py [--evaluations 1000000] [--requests 500]

- evaluations list (cursor) at N rows, and the rules list (page numbers, 50 of 1,000),
  each beside the hand-written floor of bench/floors.py: a JsonResponse of .values() over
  the same rows with the same output, served as a view behind the same middleware and
  token (the target compares with this), and the same function called bare (no request);
- bulk ingest of 10,000-row batches (findings kept current) vs a raw COPY of the same rows.

Production-shaped settings (compliance_site/bench_settings.py). The variants are
interleaved request by request, so load from anything else on the machine hits each alike.
"""

import argparse
import datetime
import json
import os
import statistics
import time

from harness import machine_note, setup_django


def seed(total_evaluations):
    from django.db import connection

    from compliance.models import ComplianceRule, Control, DataSource, Framework, RuleEvaluation

    framework, _ = Framework.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    if not Control.objects.filter(framework=framework).exists():
        Control.objects.bulk_create(
            [Control(framework=framework, ref_id=f"B-{i}", title=f"Control {i}") for i in range(200)]
        )
    if ComplianceRule.objects.count() < 1000:
        controls = list(Control.objects.filter(framework=framework))
        rules = ComplianceRule.objects.bulk_create(
            [
                ComplianceRule(
                    name=f"Bench rule {i}",
                    framework=framework,
                    severity=("low", "medium", "high")[i % 3],
                    tags=["bench"],
                )
                for i in range(1000)
            ]
        )
        through = ComplianceRule.controls.through
        through.objects.bulk_create(
            [
                through(compliancerule_id=r.pk, control_id=controls[(i + k) % 200].pk)
                for i, r in enumerate(rules)
                for k in range(2)
            ]
        )
    if DataSource.objects.count() < 50:
        DataSource.objects.bulk_create([DataSource(name=f"bench-src-{i}", source_type="server") for i in range(50)])
    have = RuleEvaluation.objects.count()
    if have < total_evaluations:
        rule_ids = list(ComplianceRule.objects.values_list("pk", flat=True)[:1000])
        source_ids = list(DataSource.objects.values_list("pk", flat=True)[:50])
        print(f"seeding {total_evaluations - have:,} evaluations with generate_series ...", flush=True)
        from django.utils import timezone

        from common.partitions import ensure_partitions

        span = datetime.timedelta(seconds=total_evaluations - have + 1)
        ensure_partitions("compliance_ruleevaluation", timezone.now() - span, timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO compliance_ruleevaluation
                    (rule_id, data_source_id, status, score, evaluated_at, details, duration_ms, source, recorded_at)
                SELECT (%(rules)s::bigint[])[1 + (g %% %(nr)s)], (%(sources)s::bigint[])[1 + (g %% %(ns)s)],
                       CASE WHEN g %% 5 = 0 THEN 'failed' ELSE 'passed' END, (g %% 101)::float,
                       now() - (g || ' seconds')::interval, '{}'::jsonb, 10, 'bench', now()
                FROM generate_series(1, %(n)s) AS g
                """,
                {
                    "rules": rule_ids,
                    "sources": source_ids,
                    "nr": len(rule_ids),
                    "ns": len(source_ids),
                    "n": total_evaluations - have,
                },
            )
            cursor.execute("ANALYZE compliance_ruleevaluation")
    return RuleEvaluation.objects.count()


def client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from common.roles import AUDITOR, ensure_builtin_roles
    from compliance_site.tokens import issue_token

    ensure_builtin_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench")
    user.groups.add(Group.objects.get(name=AUDITOR))
    _, text = issue_token(user=user, name="bench")
    return Client(HTTP_AUTHORIZATION=f"Token {text}")


def interleaved_medians(variants, repeat, warmup=20):
    """Median ms of each variant, run in turn request by request."""
    for fn in variants.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def compare(label, ours, floor_view, floor_function, target, repeat):
    medians = interleaved_medians({"ours": ours, "view": floor_view, "function": floor_function}, repeat)
    ratio = medians["ours"] / medians["view"]
    verdict = "meets" if ratio <= target else "MISSES"
    print(
        f"{label:<40} ours {medians['ours']:7.2f} ms   floor view {medians['view']:6.2f} ms ({ratio:4.2f}x, "
        f"target <= {target}x: {verdict})   floor function {medians['function']:6.2f} ms "
        f"({medians['ours'] / medians['function']:4.2f}x)"
    )


def bench_bulk(batches):
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from compliance.evaluations import record_evaluations, validate_evaluation_rows
    from compliance.models import ComplianceRule, DataSource

    rule_ids = list(ComplianceRule.objects.values_list("pk", flat=True)[:1000])
    source_ids = list(DataSource.objects.values_list("pk", flat=True)[:50])
    now = timezone.now()
    payloads = []
    for b in range(batches):
        payloads.append(
            [
                {
                    "rule": rule_ids[(b * 7 + i) % len(rule_ids)],
                    "data_source": source_ids[i % len(source_ids)],
                    "status": "failed" if (i + b) % 4 == 0 else "passed",
                    "score": float(i % 100),
                    "evaluated_at": now.isoformat(),
                }
                for i in range(10_000)
            ]
        )
    start = time.perf_counter()
    for payload in payloads:
        rows, errors = validate_evaluation_rows(json.loads(json.dumps(payload)))
        assert not errors
        record_evaluations(rows=rows, source="bench")
    ours = batches * 10_000 / (time.perf_counter() - start)

    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT']} user={db['USER']} dbname={db['NAME']}"
    start = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        for payload in payloads:
            with cursor.copy(
                "COPY compliance_ruleevaluation (rule_id, data_source_id, status, score, evaluated_at, "
                "details, source, recorded_at) FROM STDIN"
            ) as copy:
                for r in payload:
                    copy.write_row(
                        (
                            r["rule"],
                            r["data_source"],
                            r["status"],
                            r["score"],
                            r["evaluated_at"],
                            "{}",
                            "copy",
                            r["evaluated_at"],
                        )
                    )
        conn.commit()
    raw = batches * 10_000 / (time.perf_counter() - start)
    connection.close()
    return ours, raw


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance_site.bench_settings")
    setup_django()
    import floors

    total = seed(args.evaluations)
    api = client()
    for path in ("/api/v1/evaluations/", "/api/v1/rules/", "/bench/floor/evaluations/", "/bench/floor/rules/"):
        assert api.get(path).status_code == 200, path
    ours, floor = api.get("/api/v1/rules/").json(), api.get("/bench/floor/rules/").json()
    assert [r["controls"] for r in ours["results"]] == [r["controls"] for r in floor["results"]]

    print(
        f"\nAPI list benchmark — {machine_note()}; {total:,} evaluations; median of {args.requests} "
        f"interleaved requests; load average {os.getloadavg()[0]:.1f}"
    )
    compare(
        "evaluations list, cursor, 50 rows",
        lambda: api.get("/api/v1/evaluations/"),
        lambda: api.get("/bench/floor/evaluations/"),
        floors.evaluations,
        2,
        args.requests,
    )
    compare(
        "rules list, page numbers, 50 of 1,000",
        lambda: api.get("/api/v1/rules/"),
        lambda: api.get("/bench/floor/rules/"),
        floors.rules,
        3,
        args.requests,
    )

    ours_rate, raw_rate = bench_bulk(args.batches)
    print(
        f"{'bulk ingest, 10,000-row batches':<40} ours {ours_rate:9,.0f} ev/s   raw COPY {raw_rate:9,.0f} ev/s   "
        f"COPY is {raw_rate / ours_rate:4.1f}x faster (target ours >= 10,000 ev/s: "
        f"{'meets' if ours_rate >= 10_000 else 'MISSES'})"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
