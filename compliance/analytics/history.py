"""Point-in-time scores and regressions between two dates.

The latest evaluation per (rule, data source) as of a moment comes from one index probe
per pair (eval_pair_time), skipped entirely when the pair's current latest evaluation is
already older than the moment. Weighting is scoring.py's ScoreTally; rule severity and
is_active are today's (rules keep no history of those).
"""
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Case, CharField, Count, F, OuterRef, Subquery, When

from ..models import ComplianceRule, RuleEvaluation
from ..scoring import ScoreTally, _latest_in_scope, combine_tallies


def as_of_moment(when):
    """A date means the end of that UTC day; a datetime means that instant."""
    if isinstance(when, datetime):
        return when
    if isinstance(when, date):
        return datetime.combine(when + timedelta(days=1), time.min, tzinfo=dt_timezone.utc) - timedelta(microseconds=1)
    raise TypeError("when must be a date or a datetime.")


def _pair_status_counts(moment, *, framework=None, rules=None, data_sources=None):
    # Every pair with any evaluation has a LatestEvaluation row: the pairs to look back at.
    pairs = _latest_in_scope(framework=framework, rules=rules, data_sources=data_sources)
    older = RuleEvaluation.objects.filter(
        rule_id=OuterRef("rule_id"), data_source_id=OuterRef("data_source_id"), evaluated_at__lte=moment,
    ).order_by("-evaluated_at", "-id").values("status")[:1]
    return (
        pairs.annotate(as_of_status=Case(
            When(evaluated_at__lte=moment, then=F("status")),
            default=Subquery(older), output_field=CharField(),
        ))
        .exclude(as_of_status=None)
        .values("rule_id", "rule__severity", "as_of_status")
        .annotate(n=Count("id"))
        .order_by()
    )


def rule_tallies_as_of(when, *, framework=None, rules=None, data_sources=None):
    """{rule_id: ScoreTally} from the latest evaluation per pair as of `when` (one query)."""
    tallies = defaultdict(ScoreTally)
    for row in _pair_status_counts(as_of_moment(when), framework=framework, rules=rules,
                                   data_sources=data_sources):
        key = row["rule_id"]
        tallies[key] = tallies[key].add(status=row["as_of_status"], severity=row["rule__severity"], count=row["n"])
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

