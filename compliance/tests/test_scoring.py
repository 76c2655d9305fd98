"""The score definition of docs/architecture.md, case by case."""

import pytest

from compliance.evaluations import score as compliance_score
from compliance.evaluations import score_from_weights, tally

from .factories import DataSourceFactory, FrameworkFactory, RuleFactory, record

pytestmark = pytest.mark.django_db


def test_no_evaluations_is_none_not_zero():
    RuleFactory()
    assert compliance_score() is None


def test_only_not_applicable_is_none():
    record(RuleFactory(), DataSourceFactory(), "not_applicable")
    assert compliance_score() is None


def test_weights_by_severity_and_latest_per_pair():
    source = DataSourceFactory()
    low, medium, high, critical = (RuleFactory(severity=s) for s in ("low", "medium", "high", "critical"))
    record(low, source, "passed")  # 1 of 1
    record(medium, source, "failed")  # 0 of 2
    record(high, source, "error")  # 0 of 3
    record(critical, source, "failed")  # superseded below
    record(critical, source, "passed")  # 5 of 5
    # passed 6 / counted 11 = 54.5454… → 54.5
    assert compliance_score() == 54.5


def test_inactive_rules_are_left_out():
    source = DataSourceFactory()
    record(RuleFactory(severity="high"), source, "passed")
    inactive = RuleFactory(severity="critical", is_active=False)
    record(inactive, source, "failed")
    assert compliance_score() == 100.0


def test_scope_by_framework_and_tallies_per_framework():
    source = DataSourceFactory()
    a, b = FrameworkFactory(), FrameworkFactory()
    record(RuleFactory(framework=a, severity="low"), source, "passed")
    record(RuleFactory(framework=b, severity="low"), source, "failed")
    assert compliance_score(framework=a) == 100.0
    assert compliance_score(framework=b) == 0.0
    tallies = tally(by="framework")
    assert tallies[a.pk].score == 100.0 and tallies[b.pk].score == 0.0
    assert compliance_score() == 50.0


@pytest.mark.parametrize(
    "passed,counted,expected",
    [
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 8, 12.5),
        (1, 16, 6.3),
        (0, 5, 0.0),
        (5, 5, 100.0),
        (0, 0, None),
    ],
)
def test_rounding_is_half_up_to_one_decimal(passed, counted, expected):
    assert score_from_weights(passed, counted) == expected
