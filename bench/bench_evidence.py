"""Evidence and engagement benchmarks (`make bench-evidence`): figures side by side, never pass/fail.

1. Hashing and upload of a 100 MB file, against `sha256sum` on the same file in the same run:
   our one-pass hash + content check, the service storing it (hash, check, copy to storage),
   and the whole API request (multipart parsing, spooling, hash, check, store).
2. Freezing a population of 1,000,000 evaluations (ids in order and their SHA-256, stored),
   against the bare minimum: one psycopg query for the ids and hashlib over the same text.
"""

import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import machine_note, row, setup_django

SIZE = 100 * 1024 * 1024
POPULATION = 1_000_000


def timed(function, repeat=3):
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


def make_file(path):
    with open(path, "wb") as handle:
        handle.write(b"%PDF-1.7\n")
        remaining = SIZE - 9
        block = os.urandom(1024 * 1024)
        while remaining > 0:
            handle.write(block[: min(remaining, len(block))])
            remaining -= len(block)


def bench_upload(path):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.test import Client

    from compliance.evidence.content import CHUNK, digest
    from compliance.evidence.services import add_evidence
    from compliance.models import Evidence

    settings.EVIDENCE_MAX_UPLOAD_BYTES = 2 * SIZE
    settings.ALLOWED_HOSTS = ["testserver"]
    baseline_ms, out = timed(lambda: subprocess.run(["sha256sum", str(path)], capture_output=True, check=True))
    expected = out.stdout.split()[0].decode()

    def hash_pass():
        with open(path, "rb") as handle:
            return digest(iter(lambda: handle.read(CHUNK), b""), media_type="application/pdf")

    hash_ms, (sha, _) = timed(hash_pass)
    assert sha == expected, "our hash differs from sha256sum's"

    def store():
        with open(path, "rb") as handle:
            return add_evidence(
                data={"name": "bench"}, upload=File(handle, name="bench.pdf"), media_type="application/pdf"
            )

    store_ms, evidence = timed(store, repeat=2)
    assert evidence.sha256 == expected
    admin = get_user_model().objects.filter(
        username="bench-admin"
    ).first() or get_user_model().objects.create_superuser("bench-admin", "bench@example.com", "bench-password-0123")
    client = Client()
    client.force_login(admin)

    def api_upload():
        with open(path, "rb") as handle:
            response = client.post("/api/v1/evidence/", {"file": handle, "media_type": "application/pdf"})
        assert response.status_code == 201, response.content[:300]
        return response.json()

    api_ms, body = timed(api_upload, repeat=2)
    assert body["sha256"] == expected
    for item in Evidence.objects.filter(sha256=expected):  # 100 MB a copy: leave none behind
        item.file.delete(save=False)
        item.delete()
    mb = SIZE / 1024 / 1024
    print(f"100 MB file; sha256sum {mb / baseline_ms * 1000:.0f} MB/s")
    row("hash + content check (one pass)", hash_ms, baseline_ms)
    row("service: hash, check, store (local storage)", store_ms, baseline_ms)
    row("API: multipart POST, hash, check, store", api_ms, baseline_ms)


def seed_population():
    from django.db import connection

    from compliance.models import ComplianceRule, Control, DataSource, Framework, RuleEvaluation

    framework, _ = Framework.objects.get_or_create(code="bench-ev", defaults={"name": "Bench evidence"})
    control, _ = Control.objects.get_or_create(framework=framework, ref_id="B-1", defaults={"title": "Bench"})
    rule, _ = ComplianceRule.objects.get_or_create(name="bench population rule", framework=framework)
    rule.controls.set([control])
    source, _ = DataSource.objects.get_or_create(name="bench-population-source", defaults={"source_type": "database"})
    have = RuleEvaluation.objects.filter(rule=rule).count()
    if have < POPULATION:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO compliance_ruleevaluation"
                " (rule_id, data_source_id, status, score, evaluated_at, details, duration_ms, source, recorded_at)"
                " SELECT %s, %s, 'passed', NULL, now() - (g || ' seconds')::interval, '{}', NULL, 'bench', now()"
                " FROM generate_series(1, %s) AS g",
                [rule.pk, source.pk, POPULATION - have],
            )
        print(f"inserted {POPULATION - have} evaluations in {time.perf_counter() - started:.1f}s")
    return framework, control, rule


def bench_freeze():
    from datetime import timedelta

    import psycopg
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from engagements.models import Engagement
    from engagements.sampling import draw
    from engagements.services import freeze_population, period_bounds

    framework, control, rule = seed_population()
    admin = get_user_model().objects.get(username="bench-admin")
    today = timezone.now().date()
    engagement, _ = Engagement.objects.get_or_create(
        name="bench engagement",
        defaults={"framework": framework, "period_start": today - timedelta(days=30), "period_end": today},
    )
    start, end = period_bounds(engagement)
    db = settings.DATABASES["default"]

    def bare():
        with (
            psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(
                "SELECT id FROM compliance_ruleevaluation WHERE rule_id = %s AND evaluated_at >= %s"
                " AND evaluated_at < %s ORDER BY id",
                [rule.pk, start, end],
            )
            ids = [r[0] for r in cursor.fetchall()]
        return len(ids), hashlib.sha256("\n".join(map(str, ids)).encode()).hexdigest()

    baseline_ms, (size, sha) = timed(bare)
    ours_ms, population = timed(lambda: freeze_population(engagement=engagement, control=control, actor=admin))
    assert (population.size, population.sha256) == (size, sha) and size == POPULATION
    members = population.member_ids()
    draw_ms, _ = timed(lambda: draw(members, seed="bench", size=25))
    # The baseline draw: the standard library's sample, which is fast but not promised to give
    # the same members across Python versions (ours is, and in any language).
    stdlib_ms, _ = timed(lambda: random.Random("bench").sample(members, 25))
    print(f"population of {size} evaluations")
    row("freeze (ids, sha256, stored, audited)", ours_ms, baseline_ms)
    row("draw 25 of 1,000,000 (hash-ranked) vs random.sample", draw_ms, stdlib_ms)


if __name__ == "__main__":
    setup_django("bench_evidence")
    print(machine_note())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.pdf"
        make_file(path)
        bench_upload(path)
    bench_freeze()
