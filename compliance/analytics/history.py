"""Point-in-time scores and regressions between two dates, from the status history.

A pair's status at a moment is its newest evaluation's at or before it (ties: the later
arrival). compliance/status_history.py keeps every change of a pair's status, late
arrivals included, and their sums per rule over days, months and years: the pairs of a
rule in each status at a moment are the sums of the years, months and days before the
moment's day plus that day's changes up to the moment, whatever the number of
evaluations. A data-source scope sums those sources' changes instead (no sum covers it).
Weighting is scoring.py's ScoreTally; rule severity and is_active are today's (rules keep
no history of those).
"""
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count, Q, Sum

from ..models import ComplianceRule
from ..models_rollups import RollupPeriod, StatusChange, StatusChangeRollup
from ..scoring import ScoreTally, combine_tallies

_TICK = timedelta(microseconds=1)


def as_of_moment(when):
    """A date means the end of that UTC day; a datetime means that instant."""
    if isinstance(when, datetime):
        return when
    if isinstance(when, date):
        return datetime.combine(when + timedelta(days=1), time.min, tzinfo=dt_timezone.utc) - _TICK
    raise TypeError("when must be a date or a datetime.")


def _add_changes(counts, changes):
    """Fold (rule_id, old_status, new_status, n) change counts into {(rule_id, status): pairs}."""
    for rule_id, old, new, n in changes.values_list("rule_id", "old_status", "new_status").annotate(
            n=Count("pk")).order_by():
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
        _add_changes(counts, StatusChange.objects.filter(rule_id__in=rule_ids, data_source__in=data_sources,
                                                         evaluated_at__lte=moment))
        return counts
    utc = moment.astimezone(dt_timezone.utc)
    day = utc.date()
    midnight = datetime.combine(day, time.min, tzinfo=dt_timezone.utc)
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


def rule_tallies_as_of(when, *, framework=None, rules=None, data_sources=None):
    """{rule_id: ScoreTally} from the latest evaluation per pair as of `when` (two or three queries)."""
    in_scope = ComplianceRule.objects.filter(is_active=True)
    if framework is not None:
        in_scope = in_scope.filter(framework=framework)
    if rules is not None:
        in_scope = in_scope.filter(pk__in=rules)
    severities = dict(in_scope.values_list("pk", "severity"))
    counts = _status_counts(as_of_moment(when), rule_ids=list(severities), data_sources=data_sources)
    tallies = defaultdict(ScoreTally)
    for (rule_id, status), pairs in counts.items():
        if pairs and rule_id in severities:
            tallies[rule_id] = tallies[rule_id].add(status=status, severity=severities[rule_id], count=pairs)
    return dict(tallies)


def score_as_of(when, *, framework=None, rules=None, data_sources=None):
    """The compliance score as it stood at `when` (a date: end of that UTC day).

    {"as_of", "score", "passed", "failed", "error", "not_applicable", "counted_weight",
    "passed_weight"}; score is None when nothing was counted then.
    """
    tally = combine_tallies(rule_tallies_as_of(when, framework=framework, rules=rules,
                                               data_sources=data_sources).values())
    return {
        "as_of": as_of_moment(when).isoformat().replace("+00:00", "Z"),
        "score": tally.score,
        "passed": tally.passed, "failed": tally.failed, "error": tally.error,
        "not_applicable": tally.not_applicable,
        "counted_weight": tally.counted_weight, "passed_weight": tally.passed_weight,
    }


def regressions(start, end, *, framework=None, limit=None):
    """Rules whose score fell between `start` and `end`, biggest fall first.

    [{"rule_id", "rule", "framework", "severity", "score_before", "score_after", "change",
    "failing_before", "failing_after"}]; a rule counts only when it had a score at both dates.
    """
    before = rule_tallies_as_of(start, framework=framework)
    after = rule_tallies_as_of(end, framework=framework)
    fallen = []
    for rule_id, tally in after.items():
        old = before.get(rule_id)
        if old is None or old.score is None or tally.score is None or tally.score >= old.score:
            continue
        fallen.append((rule_id, old, tally))
    names = {
        rule.pk: rule
        for rule in ComplianceRule.objects.filter(pk__in=[rule_id for rule_id, _, _ in fallen])
        .select_related("framework")
    }
    rows = [
        {
            "rule_id": rule_id,
            "rule": names[rule_id].name,
            "framework": names[rule_id].framework.code,
            "severity": names[rule_id].severity,
            "score_before": old.score,
            "score_after": new.score,
            "change": round(new.score - old.score, 1),
            "failing_before": old.failed + old.error,
            "failing_after": new.failed + new.error,
        }
        for rule_id, old, new in fallen
    ]
    rows.sort(key=lambda row: (row["change"], row["rule"]))
    return rows[:limit] if limit else rows

