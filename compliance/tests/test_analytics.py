"""Trends, point-in-time scores, regressions and score explanations on crafted data,
checked against values computed by hand."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from compliance import analytics
from compliance.evaluations import EvaluationRow, record_evaluations

from .factories import DataSourceFactory, FrameworkFactory, RuleFactory

pytestmark = pytest.mark.django_db


def midnight(day):
    return datetime.combine(day, time.min, tzinfo=UTC)


def ingest(*rows):
    record_evaluations(
        rows=[
            EvaluationRow(
                rule_id=rule.pk,
                data_source_id=source.pk,
                status=status,
                score=score,
                evaluated_at=at,
                details={},
                duration_ms=duration,
                source="test",
            )
            for rule, source, status, at, score, duration in rows
        ]
    )


@pytest.fixture
def crafted():
    """Two frameworks, three rules, two sources, evaluations on day D-2 and D (none on D-1)."""
    today = timezone.now().date()
    a, b = FrameworkFactory(code="fa"), FrameworkFactory(code="fb")
    r1 = RuleFactory(framework=a, severity="medium")
    r2 = RuleFactory(framework=a, severity="high")
    r3 = RuleFactory(framework=b, severity="low")
    s1, s2 = DataSourceFactory(), DataSourceFactory()
    d2, d0 = midnight(today - timedelta(days=2)), midnight(today)
    ingest(
        (r1, s1, "passed", d2 + timedelta(hours=3), 80.0, 100),
        (r1, s2, "failed", d2 + timedelta(hours=4), 20.0, 300),
        (r3, s1, "not_applicable", d2 + timedelta(hours=23, minutes=59), None, None),
    )
    ingest(
        (r2, s1, "error", d0 + timedelta(seconds=1), None, 50),
        (r1, s1, "passed", d0 + timedelta(seconds=2), 100.0, None),
    )
    return {"today": today, "a": a, "b": b, "r1": r1, "r2": r2, "r3": r3, "s1": s1, "s2": s2}


def zero(day):
    return {"date": day.isoformat(), "evaluations": 0, "passed": 0, "failed": 0, "pass_rate": 0.0, "avg_score": 0.0}


def test_trend_of_everything_matches_hand_computed_rows(crafted):
    today = crafted["today"]
    assert analytics.trend(days=3) == [
        # 3 evaluations, 1 not applicable: pass rate 1/2; scores 80 and 20.
        {
            "date": (today - timedelta(days=2)).isoformat(),
            "evaluations": 3,
            "passed": 1,
            "failed": 1,
            "pass_rate": 50.0,
            "avg_score": 50.0,
        },
        zero(today - timedelta(days=1)),
        # an error counts against the pass rate; only the passed one has a score.
        {"date": today.isoformat(), "evaluations": 2, "passed": 1, "failed": 0, "pass_rate": 50.0, "avg_score": 100.0},
    ]


def test_trend_scopes(crafted):
    today = crafted["today"]
    framework_a = analytics.trend(days=3, framework=crafted["a"])
    assert [(row["evaluations"], row["passed"], row["failed"], row["pass_rate"]) for row in framework_a] == [
        (2, 1, 1, 50.0),
        (0, 0, 0, 0.0),
        (2, 1, 0, 50.0),
    ]
    framework_b = analytics.trend(days=3, framework=crafted["b"].pk)
    assert framework_b[0] == {
        "date": (today - timedelta(days=2)).isoformat(),
        "evaluations": 1,
        "passed": 0,
        "failed": 0,
        "pass_rate": 0.0,
        "avg_score": 0.0,
    }
    assert analytics.trend(days=2, rule=crafted["r1"]) == [
        zero(today - timedelta(days=1)),
        {"date": today.isoformat(), "evaluations": 1, "passed": 1, "failed": 0, "pass_rate": 100.0, "avg_score": 100.0},
    ]
    source_2 = analytics.trend(days=3, data_source=crafted["s2"])
    assert source_2[0]["failed"] == 1 and source_2[0]["avg_score"] == 20.0
    assert sum(row["evaluations"] for row in source_2) == 1


def test_trend_has_one_row_per_day_oldest_first(crafted):
    rows = analytics.trend(days=730)
    assert len(rows) == 730
    assert rows[-1]["date"] == crafted["today"].isoformat()
    assert sum(row["evaluations"] for row in rows) == 5


@pytest.mark.parametrize("days", [0, 731, -1, "x", None, True, 1.5])
def test_trend_refuses_days_out_of_range(days):
    with pytest.raises(ValueError):
        analytics.trend(days=days)


def test_trend_refuses_two_scopes(crafted):
    with pytest.raises(ValueError):
        analytics.trend(days=3, framework=crafted["a"], rule=crafted["r1"])


def test_avg_score_rounds_half_up_to_two_decimals():
    rule, source = RuleFactory(), DataSourceFactory()
    at = midnight(timezone.now().date())
    ingest((rule, source, "passed", at, 10.005, None), (rule, source, "passed", at, 10.005, None))
    ingest((rule, source, "passed", at, 0.0, None))
    # (10.005 + 10.005 + 0) / 3 = 6.67
    assert analytics.trend(days=1)[0]["avg_score"] == 6.67


@pytest.fixture
def history():
    """Rule r (critical) and q (low) on one source over three days."""
    start = timezone.now().date() - timedelta(days=10)
    r, q = RuleFactory(severity="critical", name="Rule R"), RuleFactory(severity="low", name="Rule Q")
    source = DataSourceFactory()
    day = [midnight(start + timedelta(days=i)) + timedelta(hours=12) for i in range(4)]
    ingest((r, source, "passed", day[1], None, None), (q, source, "failed", day[1], None, None))
    ingest((q, source, "passed", day[2], None, None))
    ingest((r, source, "failed", day[3], None, None))
    ingest((q, source, "not_applicable", day[3] - timedelta(days=3), None, None))  # late, before day 1: ignored
    return {"days": [d.date() for d in day], "r": r, "q": q, "source": source}


def test_score_as_of_follows_the_definition_at_each_date(history):
    days = history["days"]
    assert analytics.score_as_of(days[0])["score"] is None  # nothing counted yet: None, not 0
    first = analytics.score_as_of(days[1])
    assert (first["score"], first["passed_weight"], first["counted_weight"]) == (83.3, 5, 6)  # 5 / 6
    assert analytics.score_as_of(days[2])["score"] == 100.0
    assert analytics.score_as_of(days[3])["score"] == 16.7  # 1 / 6
    assert analytics.score_as_of(days[3])["score"] == analytics.compliance_stats()["overall_score"]
    # a datetime is an instant: just before R failed on day 3
    assert analytics.score_as_of(midnight(days[3]) + timedelta(hours=11))["score"] == 100.0


def test_score_as_of_with_only_not_applicable_is_none():
    rule, source = RuleFactory(), DataSourceFactory()
    ingest((rule, source, "not_applicable", midnight(timezone.now().date()), None, None))
    assert analytics.score_as_of(timezone.now().date())["score"] is None


def test_score_as_of_breaks_timestamp_ties_like_ingest(history):
    r, source = history["r"], history["source"]
    at = midnight(history["days"][3]) + timedelta(hours=18)
    ingest((r, source, "failed", at, None, None))
    ingest((r, source, "passed", at, None, None))  # same instant, later arrival: wins
    assert analytics.score_as_of(history["days"][3])["score"] == analytics.compliance_stats()["overall_score"] == 100.0


def test_regressions_between_two_dates(history):
    days = history["days"]
    rows = analytics.regressions(days[2], days[3])
    assert rows == [
        {
            "rule_id": history["r"].pk,
            "rule": "Rule R",
            "framework": history["r"].framework.code,
            "severity": "critical",
            "score_before": 100.0,
            "score_after": 0.0,
            "change": -100.0,
            "failing_before": 0,
            "failing_after": 1,
        }
    ]
    assert analytics.regressions(days[1], days[2]) == []  # Q improved; nothing fell


def test_score_explanation_names_the_rules_and_sources_losing_weight(history):
    explanation = analytics.score_explanation()
    assert (explanation["score"], explanation["counted_weight"], explanation["lost_weight"]) == (16.7, 6, 5)
    assert explanation["rules"] == [
        {
            "rule_id": history["r"].pk,
            "rule": "Rule R",
            "framework": history["r"].framework.code,
            "severity": "critical",
            "lost_weight": 5,
            "share": 100.0,
            "score_gain": 83.3,
            "failing_sources": 1,
        }
    ]
    assert explanation["data_sources"][0]["data_source_id"] == history["source"].pk
    assert explanation["data_sources"][0]["failing_rules"] == 1
