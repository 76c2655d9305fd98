"""List endpoints and bulk ingest, beside hand-written floors measured in the same run.

    .venv/bin/python bench/bench_api.py [--evaluations 1000000] [--requests 500]

- evaluations list (cursor) at N rows vs a JsonResponse of .values() over the same page;
- rules list (page numbers) vs the same floor;
- bulk ingest of 10,000-row batches (findings kept current) vs a raw COPY of the same rows.
"""
import argparse
import json
import time

from common import machine_note, median_ms, row, setup_django


def seed(total_evaluations):
    from django.db import connection

    from compliance.models import ComplianceRule, Control, DataSource, Framework, RuleEvaluation

    framework, _ = Framework.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    if not Control.objects.filter(framework=framework).exists():
        Control.objects.bulk_create(
            [Control(framework=framework, ref_id=f"B-{i}", title=f"Control {i}") for i in range(200)])
    if ComplianceRule.objects.count() < 1000:
        controls = list(Control.objects.filter(framework=framework))
        rules = ComplianceRule.objects.bulk_create(
            [ComplianceRule(name=f"Bench rule {i}", framework=framework, severity=("low", "medium", "high")[i % 3],
                            tags=["bench"]) for i in range(1000)])
        through = ComplianceRule.controls.through
        through.objects.bulk_create([through(compliancerule_id=r.pk, control_id=controls[(i + k) % 200].pk)
                                     for i, r in enumerate(rules) for k in range(2)])
    if DataSource.objects.count() < 50:
        DataSource.objects.bulk_create([DataSource(name=f"bench-src-{i}", source_type="server") for i in range(50)])
    have = RuleEvaluation.objects.count()
    if have < total_evaluations:
        rule_ids = list(ComplianceRule.objects.values_list("pk", flat=True)[:1000])
        source_ids = list(DataSource.objects.values_list("pk", flat=True)[:50])
        print(f"seeding {total_evaluations - have:,} evaluations with generate_series ...", flush=True)
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
                {"rules": rule_ids, "sources": source_ids, "nr": len(rule_ids), "ns": len(source_ids),
                 "n": total_evaluations - have},
            )
            cursor.execute("ANALYZE compliance_ruleevaluation")
    return RuleEvaluation.objects.count()


def client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from compliance.roles import AUDITOR, ensure_builtin_roles
    from django.contrib.auth.models import Group

    ensure_builtin_roles()
    user, _ = get_user_model().objects.get_or_create(username="bench")
    user.groups.add(Group.objects.get(name=AUDITOR))
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def floor_views():
    """Hand-written floors: the least a JSON list endpoint can do for the same rows."""
    from django.http import JsonResponse

    from compliance.models import ComplianceRule, RuleEvaluation

    def evaluations(_request=None):
        rows = list(RuleEvaluation.objects.order_by("-evaluated_at", "-id").values(
            "id", "rule_id", "data_source_id", "status", "score", "evaluated_at", "details", "duration_ms",
            "source", "recorded_at")[:50])
        return JsonResponse({"results": rows}).content

    def rules(_request=None):
        qs = ComplianceRule.objects.order_by("name")
        count = qs.count()
        rows = list(qs.values("id", "name", "description", "framework__code", "severity", "rule_type",
                              "is_active", "tags", "remediation", "created_at", "updated_at")[:50])
        return JsonResponse({"count": count, "results": rows}).content

    return evaluations, rules


def bench_bulk(batches):
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from compliance.evaluation_rows import validate_evaluation_rows
    from compliance.models import ComplianceRule, DataSource
    from compliance.services import record_evaluations

    rule_ids = list(ComplianceRule.objects.values_list("pk", flat=True)[:1000])
    source_ids = list(DataSource.objects.values_list("pk", flat=True)[:50])
    now = timezone.now()
    payloads = []
    for b in range(batches):
        payloads.append([{"rule": rule_ids[(b * 7 + i) % len(rule_ids)], "data_source": source_ids[i % len(source_ids)],
                          "status": "failed" if (i + b) % 4 == 0 else "passed", "score": float(i % 100),
                          "evaluated_at": now.isoformat()} for i in range(10_000)])
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
            with cursor.copy("COPY compliance_ruleevaluation (rule_id, data_source_id, status, score, evaluated_at, "
                             "details, source, recorded_at) FROM STDIN") as copy:
                for r in payload:
                    copy.write_row((r["rule"], r["data_source"], r["status"], r["score"], r["evaluated_at"], "{}",
                                    "copy", r["evaluated_at"]))
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
    setup_django()
    total = seed(args.evaluations)
    api = client()
    floor_evaluations, floor_rules = floor_views()
    assert api.get("/api/v1/evaluations/").status_code == 200

    print(f"\nAPI list benchmark — {machine_note()}; {total:,} evaluations, median of {args.requests} requests")
    ours = median_ms(lambda: api.get("/api/v1/evaluations/"), repeat=args.requests)
    floor = median_ms(floor_evaluations, repeat=args.requests)
    row("evaluations list, cursor, 50 rows", ours, floor, target=2)
    ours = median_ms(lambda: api.get("/api/v1/rules/"), repeat=args.requests)
    floor = median_ms(floor_rules, repeat=args.requests)
    row("rules list, page numbers, 50 of 1,000", ours, floor, target=3)

    ours_rate, raw_rate = bench_bulk(args.batches)
    print(f"{'bulk ingest, 10,000-row batches':<46} ours {ours_rate:9,.0f} ev/s   raw COPY {raw_rate:9,.0f} ev/s   "
          f"COPY is {raw_rate / ours_rate:4.1f}x faster (target ours >= 10,000 ev/s: "
          f"{'meets' if ours_rate >= 10_000 else 'MISSES'})")


if __name__ == "__main__":
    main()
