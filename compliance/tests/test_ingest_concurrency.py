"""Concurrent ingests over the same (rule, data source) pairs keep findings consistent."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from compliance.evaluations import record_evaluations, validate_evaluation_rows
from compliance.models import Finding, LatestEvaluation, RuleEvaluation

from .factories import DataSourceFactory, RuleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_batches_on_shared_pairs():
    rules = [RuleFactory() for _ in range(5)]
    sources = [DataSourceFactory() for _ in range(10)]
    base = timezone.now() - timedelta(hours=1)
    errors = []

    def ingest(worker):
        try:
            raw = [
                {
                    "rule": rules[i % 5].pk,
                    "data_source": sources[(i // 5) % 10].pk,
                    "status": "failed",
                    # Same timestamps in every worker, so the outcome does not depend on commit order.
                    "evaluated_at": (base + timedelta(seconds=i)).isoformat(),
                }
                for i in range(200)
            ]
            rows, bad = validate_evaluation_rows(raw)
            assert not bad
            record_evaluations(rows=rows)
        except Exception as exc:  # surfaced below with the worker number
            errors.append((worker, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RuleEvaluation.objects.count() == 800
    assert Finding.objects.count() == 50  # one per pair, never a duplicate
    # Per pair each worker holds 4 failures at the same 4 timestamps. Whoever commits first
    # applies all 4; the others find the 4th as the stored latest and apply only that tie.
    # A lost update (two workers reading the same finding) would show as less than 7.
    assert set(Finding.objects.values_list("occurrences", flat=True)) == {4 + 3}
    assert LatestEvaluation.objects.count() == 50
