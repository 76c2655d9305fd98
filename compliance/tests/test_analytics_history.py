"""Point-in-time scores from the status history equal the slow definition: per (rule, data
source), the newest evaluation at or before the moment (ties: the later arrival), after
random ingests with late arrivals, equal timestamps, deletes and rule changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from compliance import analytics
from compliance.evaluations import EvaluationRow, ScoreTally, as_of_moment, combine_tallies, record_evaluations, tally
from compliance.evaluations.status_history import rebuild_status_history
from compliance.models import ComplianceRule, RuleEvaluation, StatusChange, StatusChangeRollup

from .factories import DataSourceFactory, FrameworkFactory, RuleFactory

# Half a day before a new year: histories cross day, month and year boundaries.
BASE = datetime(2025, 12, 31, 12, tzinfo=UTC)


def _row(rule, source, status, minutes):
    return EvaluationRow(
        rule_id=rule.pk,
        data_source_id=source.pk,
        status=status,
        score=None,
        evaluated_at=BASE + timedelta(minutes=minutes),
        details={},
        duration_ms=None,
        source="test",
    )


def reference_tallies(moment, *, framework=None, rules=None, data_sources=None):
    """The definition, slowly: every evaluation read, the newest per pair kept."""
    newest = {}
    for rule_id, source_id, at, pk, status in RuleEvaluation.objects.filter(evaluated_at__lte=moment).values_list(
        "rule_id", "data_source_id", "evaluated_at", "id", "status"
    ):
        key = (rule_id, source_id)
        if key not in newest or (at, pk) > newest[key][:2]:
            newest[key] = (at, pk, status)
    in_scope = ComplianceRule.objects.filter(is_active=True)
    if framework is not None:
        in_scope = in_scope.filter(framework=framework)
    if rules is not None:
        in_scope = in_scope.filter(pk__in=rules)
    severities = dict(in_scope.values_list("pk", "severity"))
    tallies = {}
    for (rule_id, source_id), (_, _, status) in newest.items():
        if rule_id in severities and (data_sources is None or source_id in data_sources):
            tallies[rule_id] = tallies.get(rule_id, ScoreTally()).add(
                status=status, severity=severities[rule_id], count=1
            )
    return tallies


def stored_history():
    changes = set(
        StatusChange.objects.values_list(
            "pk", "rule_id", "data_source_id", "evaluated_at", "day", "old_status", "new_status"
        )
    )
    sums = set(StatusChangeRollup.objects.exclude(pairs=0).values_list("period", "start", "rule_id", "status", "pairs"))
    return changes, sums


# Six-hour steps make equal timestamps (within and across batches) common; the rest spread
# over ten weeks, and midnight of a new year and of a new month come up on their own.
minutes = st.one_of(
    st.integers(0, 12).map(lambda step: step * 360),
    st.integers(0, 60 * 24 * 70),
    st.sampled_from([720, 720 + 60 * 24 * 31]),
)
evaluation = st.tuples(
    st.integers(0, 2), st.integers(0, 2), st.sampled_from(["passed", "failed", "error", "not_applicable"]), minutes
)
# A moment: a day (its end), or an instant near an evaluation time or anywhere.
moment = st.one_of(
    st.integers(-1, 71).map(lambda days: (BASE + timedelta(days=days)).date()),
    st.tuples(minutes, st.sampled_from([-1, 0, 1])).map(lambda m: BASE + timedelta(minutes=m[0], microseconds=m[1])),
)
scope = st.fixed_dictionaries(
    {
        "framework": st.booleans(),
        "rules": st.one_of(st.none(), st.sets(st.integers(0, 2))),
        "data_sources": st.one_of(st.none(), st.sets(st.integers(0, 2))),
    }
)


class StatusHistoryPropertyTests(TestCase):
    """Each Hypothesis example runs in its own rolled-back transaction."""

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        batches=st.lists(st.lists(evaluation, min_size=1, max_size=20), min_size=1, max_size=5),
        moments=st.lists(moment, min_size=1, max_size=4),
        scopes=st.lists(scope, min_size=1, max_size=3),
        delete_rule=st.booleans(),
        delete_source=st.booleans(),
        change_rules=st.booleans(),
    )
    def test_point_in_time_equals_the_definition(
        self, batches, moments, scopes, delete_rule, delete_source, change_rules
    ):
        frameworks = [FrameworkFactory(), FrameworkFactory()]
        rules = [
            RuleFactory(severity=severity, framework=frameworks[i % 2])
            for i, severity in enumerate(("low", "high", "critical"))
        ]
        sources = [DataSourceFactory() for _ in range(3)]
        # Later batches often hold older evaluations (late arrivals); rows inside a batch are unordered.
        for batch in batches:
            record_evaluations(rows=[_row(rules[r], sources[s], status, at) for r, s, status, at in batch])
        if delete_rule:
            rules[0].delete()
        if delete_source:
            sources[1].delete()
        if change_rules:  # severity and is_active are read as they are today
            rules[2].is_active = False
            rules[2].save()
            rules[1].severity = "low"
            rules[1].save()
        for when in moments:
            for chosen in scopes:
                kwargs = {
                    "framework": frameworks[0] if chosen["framework"] else None,
                    "rules": None if chosen["rules"] is None else [rules[i].pk for i in chosen["rules"]],
                    "data_sources": None
                    if chosen["data_sources"] is None
                    else [sources[i].pk for i in chosen["data_sources"]],
                }
                expected = reference_tallies(as_of_moment(when), **kwargs)
                assert tally(as_of=when, by="rule", **kwargs) == expected, (when, kwargs)
                overall = combine_tallies(expected.values())
                assert analytics.score_as_of(when, **kwargs)["score"] == overall.score
        # At the end of time the history agrees with the current state (LatestEvaluation).
        assert combine_tallies(tally(as_of=BASE + timedelta(days=365), by="rule").values()) == tally()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        batches=st.lists(st.lists(evaluation, min_size=1, max_size=20), min_size=1, max_size=5),
        delete_source=st.booleans(),
    )
    def test_maintained_history_equals_a_rebuild(self, batches, delete_source):
        rules = [RuleFactory() for _ in range(3)]
        sources = [DataSourceFactory() for _ in range(3)]
        for batch in batches:
            record_evaluations(rows=[_row(rules[r], sources[s], status, at) for r, s, status, at in batch])
        if delete_source:
            sources[0].delete()
        maintained = stored_history()
        assert rebuild_status_history() == len(maintained[0])
        assert stored_history() == maintained


@pytest.mark.django_db
class TestStatusHistory:
    def test_a_late_arrival_splits_a_run_of_equal_statuses(self):
        rule, source = RuleFactory(), DataSourceFactory()
        record_evaluations(rows=[_row(rule, source, "passed", 0), _row(rule, source, "passed", 120)])
        record_evaluations(rows=[_row(rule, source, "failed", 60)])  # late: between the two
        changes = sorted(StatusChange.objects.values_list("evaluated_at", "old_status", "new_status"))
        assert changes == [
            (BASE, "", "passed"),
            (BASE + timedelta(minutes=60), "passed", "failed"),
            (BASE + timedelta(minutes=120), "failed", "passed"),
        ]
        assert analytics.score_as_of(BASE + timedelta(minutes=90))["score"] == 0.0
        assert analytics.score_as_of(BASE.date())["score"] == 100.0  # the end of that day

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
    def test_a_late_arrival_with_rows_in_the_default_partition(self):
        """The guard partition holding a row (an ORM write past ingest): the probes are no
        longer bounded (they merge every partition, DEFAULT included) and still find the
        neighbours a month away."""
        from compliance.evaluations.status_history import _ordered_bounds
        from compliance.models import RuleEvaluation

        rule, source, other = RuleFactory(), DataSourceFactory(), DataSourceFactory()
        RuleEvaluation.objects.create(
            rule=rule, data_source=other, status="passed", evaluated_at=BASE - timedelta(days=2000)
        )
        assert _ordered_bounds(RuleEvaluation._meta.db_table, "e") == ""
        record_evaluations(rows=[_row(rule, source, "passed", 0), _row(rule, source, "passed", 60 * 24 * 60)])
        record_evaluations(rows=[_row(rule, source, "failed", 60 * 24 * 30)])  # late: a month between the two
        changes = sorted(
            StatusChange.objects.filter(data_source=source).values_list("evaluated_at", "old_status", "new_status")
        )
        assert changes == [
            (BASE, "", "passed"),
            (BASE + timedelta(days=30), "passed", "failed"),
            (BASE + timedelta(days=60), "failed", "passed"),
        ]

    def test_regressions_read_the_history(self):
        rule, steady = RuleFactory(name="Falls", severity="high"), RuleFactory(name="Steady")
        source = DataSourceFactory()
        record_evaluations(
            rows=[
                _row(rule, source, "passed", 0),
                _row(steady, source, "passed", 0),
                _row(rule, source, "failed", 60 * 24),
            ]
        )
        rows = analytics.regressions(BASE.date(), (BASE + timedelta(days=1)).date())
        assert [(row["rule"], row["score_before"], row["score_after"]) for row in rows] == [("Falls", 100.0, 0.0)]

    def test_queries_per_call_and_per_ingest(self):
        rules = [RuleFactory() for _ in range(3)]
        source = DataSourceFactory()
        record_evaluations(rows=[_row(rule, source, "passed", 10) for rule in rules])
        with CaptureQueriesContext(connection) as read:
            analytics.score_as_of(BASE + timedelta(hours=5))
        assert len(read) == 3  # rules in scope, the sums before the day, that day's changes
        with CaptureQueriesContext(connection) as late:
            record_evaluations(rows=[_row(rule, source, "failed", 5) for rule in rules])  # all late
        if connection.vendor == "postgresql":  # one statement probes around every late evaluation, not one per pair
            reads = [
                q["sql"]
                for q in late.captured_queries
                if q["sql"].lstrip().startswith(("SELECT", "WITH"))
                and "compliance_statuschange" in q["sql"]
                and "pg_inherits" not in q["sql"]  # the partition check before writing
                and "_default" not in q["sql"]  # the DEFAULT partition's emptiness (status_history._ordered_bounds)
                and "DELETE" not in q["sql"]  # the changes a late arrival unmakes, deleted per partition
            ]
            assert len(reads) == 1 and "JOIN LATERAL" in reads[0]
