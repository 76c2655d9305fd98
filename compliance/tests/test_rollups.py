"""Rollups equal live aggregation: after random ingests, late and out-of-order arrivals,
deletes, and a rebuild."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from compliance.evaluations import EvaluationRow, record_evaluations, scores
from compliance.evaluations.rollups import live_rollup_rows, rebuild_rollups, rollup_score, stored_rollup_rows
from compliance.models import EvaluationRollup, LatestEvaluation, LatestStatusCount, RollupDimension

from .factories import DataSourceFactory, RuleFactory

BASE = datetime(2026, 3, 1, tzinfo=UTC)


def _row(rule, source, status, minutes, score=None, duration=None):
    return EvaluationRow(
        rule_id=rule.pk,
        data_source_id=source.pk,
        status=status,
        score=score,
        evaluated_at=BASE + timedelta(minutes=minutes),
        details={},
        duration_ms=duration,
        source="test",
    )


def assert_rollups_match_live():
    for dimension in RollupDimension:
        assert stored_rollup_rows(dimension) == live_rollup_rows(dimension), dimension
    if connection.vendor == "postgresql":  # LatestStatusCount is kept by PostgreSQL triggers only
        live_counts = {
            (row["rule_id"], row["status"]): row["n"]
            for row in LatestEvaluation.objects.values("rule_id", "status").annotate(n=Count("id")).order_by()
        }
        stored_counts = {
            (rule_id, status): n
            for rule_id, status, n in LatestStatusCount.objects.values_list("rule_id", "status")
            .annotate(n=Sum("pairs"))
            .order_by()
        }
        assert stored_counts == live_counts
    assert scores.tally(by="framework") == scores.from_latest_evaluations(by="framework")


evaluation = st.tuples(
    st.integers(0, 2),  # rule index
    st.integers(0, 2),  # data source index
    st.sampled_from(["passed", "failed", "error", "not_applicable"]),
    st.integers(0, 60 * 24 * 4),  # minutes after BASE: four days, every hour of the day
    st.one_of(st.none(), st.floats(0, 100, allow_nan=False, allow_infinity=False)),
    st.one_of(st.none(), st.integers(0, 100_000)),
)


class RollupPropertyTests(TestCase):
    """Each Hypothesis example runs in its own rolled-back transaction."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        batches=st.lists(st.lists(evaluation, min_size=1, max_size=25), min_size=1, max_size=5),
        delete_rule=st.booleans(),
        delete_source=st.booleans(),
    )
    def test_rollups_equal_live_aggregation_after_random_ingests(self, batches, delete_rule, delete_source):
        rules = [RuleFactory(severity=s) for s in ("low", "high", "critical")]
        sources = [DataSourceFactory() for _ in range(3)]
        # Batches arrive in list order but carry arbitrary times: later batches often hold
        # older evaluations (late arrivals), and rows inside a batch are unordered.
        for batch in batches:
            record_evaluations(
                rows=[
                    _row(rules[r], sources[s], status, minutes, score, duration)
                    for r, s, status, minutes, score, duration in batch
                ]
            )
        assert_rollups_match_live()
        total = sum(len(batch) for batch in batches)
        assert sum(row["evaluations"] for row in stored_rollup_rows(RollupDimension.ALL).values()) == total
        if delete_rule:
            rules[0].delete()
        if delete_source:
            sources[1].delete()
        rules[2].is_active = False
        rules[2].save()
        assert_rollups_match_live()


@pytest.mark.django_db
class TestRollupMaintenance:
    def test_crafted_batch_counts_per_day_and_dimension(self):
        rule, other_rule = RuleFactory(), RuleFactory()
        source = DataSourceFactory()
        record_evaluations(
            rows=[
                _row(rule, source, "passed", 10, score=90.0, duration=100),
                _row(rule, source, "failed", 20, score=10.5, duration=300),
                _row(other_rule, source, "not_applicable", 60 * 24 + 5),  # next day, no score
            ]
        )
        day1 = BASE.date()
        row = EvaluationRollup.objects.get(dimension="rule", key=rule.pk, day=day1)
        assert (row.evaluations, row.passed, row.failed, row.score_count, row.score_sum) == (
            2,
            1,
            1,
            2,
            Decimal("100.5"),
        )
        assert (row.duration_count, row.duration_sum) == (2, 400)
        everything = EvaluationRollup.objects.get(dimension="all", key=0, day=day1 + timedelta(days=1))
        assert (everything.evaluations, everything.not_applicable, everything.score_count) == (1, 1, 0)
        hours = set(EvaluationRollup.objects.filter(dimension="hour").values_list("day", "key", "evaluations"))
        assert hours == {(day1, 0, 2), (day1 + timedelta(days=1), 0, 1)}
        assert_rollups_match_live()

    def test_late_arrival_lands_on_its_own_day(self):
        rule, source = RuleFactory(), DataSourceFactory()
        record_evaluations(rows=[_row(rule, source, "passed", 60 * 24 * 3)])
        record_evaluations(rows=[_row(rule, source, "failed", 30)])  # three days late
        days = dict(EvaluationRollup.objects.filter(dimension="all").values_list("day", "failed"))
        assert days == {BASE.date(): 1, BASE.date() + timedelta(days=3): 0}
        assert_rollups_match_live()

    def test_one_upsert_statement_per_batch(self):
        rules = [RuleFactory() for _ in range(3)]
        sources = [DataSourceFactory() for _ in range(3)]
        rows = [_row(r, s, "passed", i * 37) for i, (r, s) in enumerate((r, s) for r in rules for s in sources)]
        with CaptureQueriesContext(connection) as queries:
            record_evaluations(rows=rows)
        rollup_sql = [q["sql"] for q in queries.captured_queries if "compliance_evaluationrollup" in q["sql"]]
        assert len(rollup_sql) == 1
        assert "INSERT INTO compliance_evaluationrollup" in rollup_sql[0]  # SQLite logs "N times: INSERT …"

    def test_deleting_a_rule_or_data_source_takes_its_evaluations_out(self):
        keep_rule, drop_rule = RuleFactory(), RuleFactory()
        keep_source, drop_source = DataSourceFactory(), DataSourceFactory()
        record_evaluations(
            rows=[
                _row(keep_rule, keep_source, "passed", 1, score=50.0),
                _row(drop_rule, keep_source, "failed", 2, score=20.0),
                _row(keep_rule, drop_source, "error", 60 * 30),
                _row(drop_rule, drop_source, "passed", 60 * 50),
            ]
        )
        drop_rule.delete()
        assert_rollups_match_live()
        drop_source.delete()
        assert_rollups_match_live()
        assert EvaluationRollup.objects.filter(dimension="all").get().evaluations == 1

    def test_rebuild_reproduces_the_maintained_rollups(self):
        rule, source = RuleFactory(), DataSourceFactory()
        record_evaluations(
            rows=[
                _row(rule, source, s, m, score=m / 7)
                for s, m in (("passed", 5), ("failed", 700), ("passed", 3000), ("error", 61))
            ]
        )
        before = {dimension: stored_rollup_rows(dimension) for dimension in RollupDimension}
        assert rebuild_rollups() == EvaluationRollup.objects.count()
        assert {dimension: stored_rollup_rows(dimension) for dimension in RollupDimension} == before


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "0.000000"),
        (100.0, "100.000000"),
        (1 / 3, "0.333333"),
        (66.6666665, "66.666667"),
        (12.5, "12.500000"),
    ],
)
def test_rollup_score_rounds_like_postgres_numeric(score, expected):
    assert str(rollup_score(score)) == expected
