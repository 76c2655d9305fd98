"""The compliance score: one definition, one function.

Take the latest evaluation per (rule, data source) among active rules. Weights by rule
severity: low 1, medium 2, high 3, critical 5. Passed counts its weight; failed and error
count 0; not_applicable is left out. Score = 100 × passed / counted, one decimal, rounded
half up; nothing counted → None.

`tally()` answers it for any scope, now or as of a moment, grouped or not; the dashboard,
point-in-time scores, reports and OSCAL exports all call it. Where the pairs' statuses are
read from depends on the question, never the arithmetic (ScoreTally's):
- now, everything or whole frameworks: LatestStatusCount, at most rules × 4 rows
  (PostgreSQL triggers keep it; SQLite reads LatestEvaluation);
- now, chosen rules or data sources: LatestEvaluation, grouped;
- as of a moment: the status history, the sums of the years, months and days before the
  moment's day plus that day's changes up to it, whatever the number of evaluations
  (rule severity and is_active are today's: rules keep no history of those).
The tests hold the three sources to each other.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Q, Sum

from ..choices import SEVERITY_WEIGHTS, EvaluationStatus
from ..models import ComplianceRule
from .models import LatestEvaluation, LatestStatusCount, RollupPeriod, StatusChange, StatusChangeRollup

_TICK = timedelta(microseconds=1)
# by= -> the column a tally is grouped on ("control": a pair counts once for each control its rule maps to).
GROUPS = {
    None: None,
    "framework": "rule__framework_id",
    "rule": "rule_id",
    "data_source": "data_source_id",
    "control": "rule__controls",
}


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


def combine_tallies(tallies):
    """One tally summing several, e.g. every framework's into the overall one."""
    names = [f.name for f in fields(ScoreTally)]
    return ScoreTally(**{name: sum(getattr(tally, name) for tally in tallies) for name in names})


def as_of_moment(when):
    """A date means the end of that UTC day; a datetime means that instant."""
    if isinstance(when, datetime):
        return when
    if isinstance(when, date):
        return datetime.combine(when + timedelta(days=1), time.min, tzinfo=UTC) - _TICK
    raise TypeError("when must be a date or a datetime.")


def tally(*, framework=None, rules=None, data_sources=None, as_of=None, by=None):
    """The score's tally for a scope: a framework, rules (ids or a queryset) and/or data
    sources (ids), or everything; now, or as of `as_of` (a date: the end of that UTC day).

    by=None gives one ScoreTally; by "framework", "rule", "control" or "data_source" gives
    {id: ScoreTally} for each id with latest evaluations in scope (controls and data
    sources: now only).
    """
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(str(key) for key in GROUPS)}.")
    if as_of is not None:
        if by in ("data_source", "control"):
            raise ValueError(f"The status history keeps no per-{by} sums; score them now only.")
        grouped = from_history(as_of, framework=framework, rules=rules, data_sources=data_sources, by=by)
    elif rules is None and data_sources is None and by != "data_source" and connection.vendor == "postgresql":
        grouped = from_status_counts(framework=framework, by=by)
    else:
        grouped = from_latest_evaluations(framework=framework, rules=rules, data_sources=data_sources, by=by)
    if by is None:
        return grouped.get(None, ScoreTally())
    return grouped


def score(**scope):
    """The score (or None) for a scope, as tally() takes it."""
    return tally(**scope).score


def _fold(rows):
    """{key: ScoreTally} from (key, status, severity, pairs) rows."""
    tallies = defaultdict(ScoreTally)
    for key, status, severity, pairs in rows:
        if pairs:
            tallies[key] = tallies[key].add(status=status, severity=severity, count=pairs)
    return dict(tallies)


def _grouped_rows(queryset, by, count):
    key = GROUPS[by]
    names = ("status", "rule__severity") if key is None else (key, "status", "rule__severity")
    rows = queryset.values(*names).annotate(n=count).order_by().values_list(*names, "n")
    return rows if key is not None else ((None, *row) for row in rows)


def latest_in_scope(*, framework=None, rules=None, data_sources=None):
    """LatestEvaluation rows of active rules in scope: what the score is made of now."""
    qs = LatestEvaluation.objects.filter(rule__is_active=True)
    if framework is not None:
        qs = qs.filter(rule__framework=framework)
    if rules is not None:
        qs = qs.filter(rule__in=rules)
    if data_sources is not None:
        qs = qs.filter(data_source__in=data_sources)
    return qs


def from_latest_evaluations(*, framework=None, rules=None, data_sources=None, by=None):
    """{key: ScoreTally} grouping the latest evaluations in scope (one query)."""
    queryset = latest_in_scope(framework=framework, rules=rules, data_sources=data_sources)
    return _fold(_grouped_rows(queryset, by, Count("id")))


def from_status_counts(*, framework=None, by=None):
    """{key: ScoreTally} from the pre-counted latest statuses (one query; PostgreSQL only)."""
    queryset = LatestStatusCount.objects.filter(rule__is_active=True, pairs__gt=0)
    if framework is not None:
        queryset = queryset.filter(rule__framework=framework)
    return _fold(_grouped_rows(queryset, by, Sum("pairs")))


def _add_changes(counts, changes):
    """Fold (rule_id, old_status, new_status, n) change counts into {(rule_id, status): pairs}."""
    for rule_id, old, new, n in (
        changes.values_list("rule_id", "old_status", "new_status").annotate(n=Count("pk")).order_by()
    ):
        counts[(rule_id, new)] += n
        if old:
            counts[(rule_id, old)] -= n


def _status_counts(moment, *, rule_ids, data_sources):
    """{(rule_id, status): pairs in that status at `moment`}, for every rule unless a scope
    of data sources is given (then for those sources and `rule_ids` only).

    Without data sources every rule is read: the sums are at most ~40 rows per (rule,
    status), and a rule filter only tempts PostgreSQL into a sequential scan.
    """
    counts = Counter()
    if data_sources is not None:
        # Both id lists: the status_change_pair_time index is then walked once per pair.
        _add_changes(
            counts,
            StatusChange.objects.filter(rule_id__in=rule_ids, data_source__in=data_sources, evaluated_at__lte=moment),
        )
        return counts
    utc = moment.astimezone(UTC)
    day = utc.date()
    midnight = datetime.combine(day, time.min, tzinfo=UTC)
    whole_day = utc + _TICK == midnight + timedelta(days=1)
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    days = Q(start__lte=day) if whole_day else Q(start__lt=day)
    sums = StatusChangeRollup.objects.filter(
        Q(period=RollupPeriod.YEAR, start__lt=year)
        | Q(period=RollupPeriod.MONTH, start__gte=year, start__lt=month)
        | Q(days, period=RollupPeriod.DAY, start__gte=month)
    )
    for rule_id, status, pairs in sums.values_list("rule_id", "status").annotate(n=Sum("pairs")).order_by():
        counts[(rule_id, status)] += pairs
    if not whole_day:
        _add_changes(counts, StatusChange.objects.filter(evaluated_at__gte=midnight, evaluated_at__lte=moment))
    return counts


def from_history(when, *, framework=None, rules=None, data_sources=None, by=None):
    """{key: ScoreTally} from the latest evaluation per pair as of `when` (two or three queries)."""
    in_scope = ComplianceRule.objects.filter(is_active=True)
    if framework is not None:
        in_scope = in_scope.filter(framework=framework)
    if rules is not None:
        in_scope = in_scope.filter(pk__in=rules)
    rule_rows = {
        pk: (severity, framework_id)
        for pk, severity, framework_id in in_scope.values_list("pk", "severity", "framework_id")
    }
    counts = _status_counts(as_of_moment(when), rule_ids=list(rule_rows), data_sources=data_sources)
    group = {
        None: lambda rule_id: None,
        "rule": lambda rule_id: rule_id,
        "framework": lambda rule_id: rule_rows[rule_id][1],
    }[by]
    return _fold(
        (group(rule_id), status, rule_rows[rule_id][0], pairs)
        for (rule_id, status), pairs in counts.items()
        if rule_id in rule_rows
    )
