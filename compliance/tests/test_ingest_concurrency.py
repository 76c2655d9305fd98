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


def _waiting_on_a_lock(pid_holder):
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid_holder[0]])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _someone_else_waits_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_a_rule_deleted_during_an_ingest_takes_the_batch_with_it():
    """Evaluations have no foreign-key constraint: the rule's row lock keeps them honest.
    The delete waits for the ingest holding its rule, then cascades over its rows too.
    (Passing rows: a finding the ingest opens meanwhile is not in what the delete collected
    beforehand, and its own constraint refuses the delete instead.)"""
    rule, source = RuleFactory(), DataSourceFactory()
    rows, bad = validate_evaluation_rows(
        [{"rule": rule.pk, "data_source": source.pk, "status": "passed", "evaluated_at": timezone.now().isoformat()}]
    )
    assert not bad
    recorded, release, deleter_pid, errors = threading.Event(), threading.Event(), [], []

    def ingest():
        try:
            from django.db import transaction

            with transaction.atomic():
                record_evaluations(rows=rows)
                recorded.set()
                assert release.wait(20)
        except Exception as exc:
            errors.append(exc)
        finally:
            recorded.set()
            connection.close()

    def delete():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                deleter_pid.append(cursor.fetchone()[0])
            type(rule).objects.filter(pk=rule.pk).delete()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    ingester = threading.Thread(target=ingest)
    ingester.start()
    assert recorded.wait(20)
    deleter = threading.Thread(target=delete)
    deleter.start()
    for _ in range(200):  # until the delete blocks on the ingest's lock of the rule row
        if deleter_pid and _waiting_on_a_lock(deleter_pid):
            break
        threading.Event().wait(0.05)
    else:
        release.set()
        pytest.fail("the delete never waited for the ingest")
    release.set()
    ingester.join(20)
    deleter.join(20)
    assert errors == []
    assert not RuleEvaluation.objects.filter(rule_id=rule.pk).exists()
    assert not Finding.objects.filter(rule_id=rule.pk).exists()
    assert not LatestEvaluation.objects.filter(rule_id=rule.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_a_rule_deleted_while_a_bulk_post_records_is_a_409(client_as):
    """Validation reads the rule; a delete holding its row makes the POST wait at the
    rules' lock, commits, and the POST then finds the rule gone: 409, nothing saved."""
    from django.db import transaction

    from common.roles import COMPLIANCE_MANAGER
    from compliance.models import ComplianceRule

    client = client_as(COMPLIANCE_MANAGER)
    rule, source = RuleFactory(), DataSourceFactory()
    locked, errors = threading.Event(), []

    def delete():
        try:
            with transaction.atomic():
                ComplianceRule.objects.select_for_update().get(pk=rule.pk)
                locked.set()
                for _ in range(400):
                    if _someone_else_waits_on_a_lock():
                        break
                    threading.Event().wait(0.05)
                ComplianceRule.objects.filter(pk=rule.pk).delete()
        except Exception as exc:
            errors.append(exc)
        finally:
            locked.set()
            connection.close()

    deleter = threading.Thread(target=delete)
    deleter.start()
    assert locked.wait(20)
    row = {"rule": rule.pk, "data_source": source.pk, "status": "failed", "evaluated_at": timezone.now().isoformat()}
    response = client.post("/api/v1/evaluations/bulk/", {"evaluations": [row]}, format="json")
    deleter.join(20)
    assert errors == []
    assert response.status_code == 409, response.content
    assert f"rule {rule.pk}" in response.json()["detail"]
    assert not RuleEvaluation.objects.exists() and not Finding.objects.exists()
