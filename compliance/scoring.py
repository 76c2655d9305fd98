"""The compliance score: the one definition of ARCHITECTURE.md, used by every caller.

Take the latest evaluation per (rule, data source) among active rules. Weights by rule
severity: low 1, medium 2, high 3, critical 5. Passed counts its weight; failed and error
count 0; not_applicable is left out. Score = 100 × passed / counted, one decimal, rounded
half up; nothing counted → None.
"""
from collections import defaultdict
from dataclasses import dataclass, fields

from django.db.models import Count

from .choices import SEVERITY_WEIGHTS, EvaluationStatus
from .models import LatestEvaluation


@dataclass(frozen=True)
class ScoreTally:
    passed_weight: int = 0
    counted_weight: int = 0
    passed: int = 0
    failed: int = 0
    error: int = 0
    not_applicable: int = 0

    @property
    def score(self):
        return score_from_weights(self.passed_weight, self.counted_weight)

    def add(self, *, status, severity, count):
        weight = SEVERITY_WEIGHTS[severity] * count
        counted = status != EvaluationStatus.NOT_APPLICABLE
        return ScoreTally(
            passed_weight=self.passed_weight + (weight if status == EvaluationStatus.PASSED else 0),
            counted_weight=self.counted_weight + (weight if counted else 0),
            passed=self.passed + (count if status == EvaluationStatus.PASSED else 0),
            failed=self.failed + (count if status == EvaluationStatus.FAILED else 0),
            error=self.error + (count if status == EvaluationStatus.ERROR else 0),
            not_applicable=self.not_applicable + (count if not counted else 0),
        )


def score_from_weights(passed_weight, counted_weight):
    """100 × passed / counted to one decimal, half up, in exact integer arithmetic."""
    if not counted_weight:
        return None
    tenths = (2000 * passed_weight + counted_weight) // (2 * counted_weight)
    return tenths / 10


def _latest_in_scope(*, framework=None, rules=None, data_sources=None):
    qs = LatestEvaluation.objects.filter(rule__is_active=True)
    if framework is not None:
        qs = qs.filter(rule__framework=framework)
    if rules is not None:
        qs = qs.filter(rule__in=rules)
    if data_sources is not None:
        qs = qs.filter(data_source__in=data_sources)
    return qs


def score_tally(*, framework=None, rules=None, data_sources=None):
    """The tally behind the score for a scope (one query)."""
    tally = ScoreTally()
    rows = (
        _latest_in_scope(framework=framework, rules=rules, data_sources=data_sources)
        .values("status", "rule__severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        tally = tally.add(status=row["status"], severity=row["rule__severity"], count=row["n"])
    return tally


def compliance_score(*, framework=None, rules=None, data_sources=None):
    """The score for a scope: a framework, a set of rules and/or data sources, or everything."""
    return score_tally(framework=framework, rules=rules, data_sources=data_sources).score


def score_tallies_by_framework(*, rules=None, data_sources=None):
    """{framework_id: ScoreTally} for every framework with counted evaluations (one query)."""
    tallies = defaultdict(ScoreTally)
    rows = (
        _latest_in_scope(rules=rules, data_sources=data_sources)
        .values("rule__framework_id", "status", "rule__severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        key = row["rule__framework_id"]
        tallies[key] = tallies[key].add(status=row["status"], severity=row["rule__severity"], count=row["n"])
    return dict(tallies)


def combine_tallies(tallies):
    """One tally summing several, e.g. every framework's into the overall one."""
    names = [f.name for f in fields(ScoreTally)]
    return ScoreTally(**{name: sum(getattr(tally, name) for tally in tallies) for name in names})
