"""Evaluation ingest: findings lifecycle, latest state, late arrivals, all-or-nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import signals
from compliance.evaluations import record_evaluations, validate_evaluation_rows
from compliance.models import Finding, LatestEvaluation, RuleEvaluation

from .factories import DataSourceFactory, RuleFactory, record

pytestmark = pytest.mark.django_db


def at(hours_ago):
    return timezone.now() - timedelta(hours=hours_ago)


def test_failure_opens_a_finding_with_rule_severity():
    rule, source = RuleFactory(severity="high"), DataSourceFactory()
    evaluation = record(rule, source, "failed", at=at(5))
    finding = Finding.objects.get(rule=rule, data_source=source)
    assert finding.status == "open"
    assert finding.severity == "high"
    assert finding.first_seen_at == finding.opened_at == evaluation.evaluated_at
    assert finding.last_evaluation_id == evaluation.pk
    assert rule.name in finding.title and source.name in finding.title


def test_repeated_failure_updates_the_open_finding():
    rule, source = RuleFactory(), DataSourceFactory()
    record(rule, source, "failed", at=at(5))
    second = record(rule, source, "failed", at=at(4))
    finding = Finding.objects.get()
    assert finding.occurrences == 2
    assert finding.last_seen_at == second.evaluated_at
    assert finding.recurrence_count == 0


def test_pass_resolves_and_later_failure_reopens_with_recurrence():
    rule, source = RuleFactory(), DataSourceFactory()
    record(rule, source, "failed", at=at(5))
    passed = record(rule, source, "passed", at=at(4))
    finding = Finding.objects.get()
    assert finding.status == "resolved"
    assert finding.resolved_at == passed.evaluated_at
    failed_again = record(rule, source, "failed", at=at(3))
    finding.refresh_from_db()
    assert finding.status == "open"
    assert finding.recurrence_count == 1
    assert finding.resolved_at is None
    assert finding.opened_at == failed_again.evaluated_at
    assert Finding.objects.count() == 1


def test_pass_without_finding_creates_nothing_and_error_changes_nothing():
    rule, source = RuleFactory(), DataSourceFactory()
    record(rule, source, "passed", at=at(3))
    assert not Finding.objects.exists()
    record(rule, source, "failed", at=at(2))
    record(rule, source, "error", at=at(1))
    assert Finding.objects.get().status == "open"


def test_risk_accepted_finding_is_not_reopened_by_failures():
    rule, source = RuleFactory(), DataSourceFactory()
    record(rule, source, "failed", at=at(3))
    finding = Finding.objects.get()
    finding.status = "risk_accepted"
    finding.save()
    record(rule, source, "failed", at=at(2))
    finding.refresh_from_db()
    assert finding.status == "risk_accepted"
    assert finding.occurrences == 2


def test_late_arrival_is_history_only():
    rule, source = RuleFactory(), DataSourceFactory()
    newest = record(rule, source, "passed", at=at(1))
    record(rule, source, "failed", at=at(10))  # arrives late, older than what we know
    latest = LatestEvaluation.objects.get(rule=rule, data_source=source)
    assert latest.evaluation_id == newest.pk and latest.status == "passed"
    assert not Finding.objects.exists()
    assert RuleEvaluation.objects.count() == 2


def test_batch_applies_evaluations_in_time_order_whatever_the_row_order():
    rule, source = RuleFactory(), DataSourceFactory()
    raw = [
        {"rule": rule.pk, "data_source": source.pk, "status": "passed", "evaluated_at": at(1).isoformat()},
        {"rule": rule.pk, "data_source": source.pk, "status": "failed", "evaluated_at": at(3).isoformat()},
        {"rule": rule.pk, "data_source": source.pk, "status": "failed", "evaluated_at": at(2).isoformat()},
    ]
    rows, errors = validate_evaluation_rows(raw)
    assert errors == []
    result = record_evaluations(rows=rows)
    assert result.counts() == {"evaluations": 3, "findings_opened": 1, "findings_reopened": 0, "findings_resolved": 1}
    finding = Finding.objects.get()
    assert finding.status == "resolved" and finding.occurrences == 2
    assert LatestEvaluation.objects.get().status == "passed"


def test_signals_fire_for_each_finding_change():
    rule, source = RuleFactory(), DataSourceFactory()
    seen = []

    def receiver(signal, **kwargs):
        seen.append((signal, kwargs["finding"].status))

    for signal in (signals.finding_opened, signals.finding_resolved, signals.finding_reopened):
        signal.connect(receiver, weak=False)
    try:
        record(rule, source, "failed", at=at(3))
        record(rule, source, "passed", at=at(2))
        record(rule, source, "failed", at=at(1))
    finally:
        for signal in (signals.finding_opened, signals.finding_resolved, signals.finding_reopened):
            signal.disconnect(receiver)
    assert [s for s, _ in seen] == [signals.finding_opened, signals.finding_resolved, signals.finding_reopened]


def test_validation_reports_each_bad_row_by_index():
    rule, source = RuleFactory(), DataSourceFactory()
    raw = [
        {"rule": rule.pk, "data_source": source.pk, "status": "passed"},
        {"rule": 999999, "data_source": source.pk, "status": "passed"},
        {"rule": rule.pk, "data_source": source.pk, "status": "maybe"},
        {"rule": True, "data_source": "x", "status": "failed", "score": 101},
        "not an object",
        {"rule": rule.pk, "data_source": source.pk, "status": "passed", "evaluated_at": "yesterday"},
        {
            "rule": rule.pk,
            "data_source": source.pk,
            "status": "passed",
            "evaluated_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
        {"rule": rule.pk, "data_source": source.pk, "status": "passed", "surprise": 1},
    ]
    _rows, errors = validate_evaluation_rows(raw)
    by_index = {e["index"]: e["errors"] for e in errors}
    assert sorted(by_index) == [1, 2, 3, 4, 5, 6, 7]
    assert "999999" in by_index[1]["rule"][0]
    assert "status" in by_index[2]
    assert set(by_index[3]) >= {"rule", "data_source", "score"}
    assert "non_field_errors" in by_index[4]
    assert "evaluated_at" in by_index[5] and "future" in by_index[6]["evaluated_at"][0]
    assert "surprise" in by_index[7]["non_field_errors"][0]


def test_bulk_ingest_query_count_does_not_grow_with_rows():
    rules = [RuleFactory() for _ in range(4)]
    sources = [DataSourceFactory() for _ in range(5)]

    def batch(n, hours):
        raw = [
            {
                "rule": rules[i % 4].pk,
                "data_source": sources[i % 5].pk,
                "status": "failed" if i % 3 else "passed",
                "evaluated_at": at(hours).isoformat(),
            }
            for i in range(n)
        ]
        rows, errors = validate_evaluation_rows(raw)
        assert not errors
        return rows

    def statements(captured):
        # SQLite caps the variables of one statement, so bulk_create splits the evaluation
        # INSERT in chunks there; PostgreSQL writes any batch with one COPY.
        return [
            q["sql"][:120]
            for q in captured.captured_queries
            if not (connection.vendor == "sqlite" and q["sql"].startswith('INSERT INTO "compliance_ruleevaluation"'))
        ]

    # Three rows or more per pair give every pair both statuses: after the first batch,
    # neither measured batch opens a finding; they differ in size.
    record_evaluations(rows=batch(60, 6))
    small, large = batch(60, 5), batch(400, 4)
    with CaptureQueriesContext(connection) as q_small:
        record_evaluations(rows=small)
    with CaptureQueriesContext(connection) as q_large:
        record_evaluations(rows=large)
    # +2: status-change rows and their rollups are written only when a batch's changes do not net out.
    assert len(statements(q_large)) <= len(statements(q_small)) + 2, statements(q_large)


def test_naive_timestamps_are_taken_as_utc():
    rule, source = RuleFactory(), DataSourceFactory()
    rows, errors = validate_evaluation_rows(
        [{"rule": rule.pk, "data_source": source.pk, "status": "passed", "evaluated_at": "2026-01-31T12:00:00"}]
    )
    assert errors == []
    assert rows[0].evaluated_at.isoformat() == "2026-01-31T12:00:00+00:00"


def test_ingest_reads_findings_without_field_converters():
    # ingest._findings hands binary rows straight to Finding.from_db, skipping Django's
    # field converters: a field that needs one (JSON, encrypted) must change that read.
    assert [f.name for f in Finding._meta.concrete_fields if hasattr(f, "from_db_value")] == []
