"""Point-in-time scores and regressions between two dates, from the status history.

A pair's status at a moment is its newest evaluation's at or before it (ties: the later
arrival). compliance.evaluations.tally(as_of=...) reads it from the status history,
whatever the number of evaluations; these are the analytics shapes over it.
"""

from ..evaluations import as_of_moment, tally
from ..models import ComplianceRule


def score_as_of(when, *, framework=None, rules=None, data_sources=None):
    """The compliance score as it stood at `when` (a date: end of that UTC day).

    {"as_of", "score", "passed", "failed", "error", "not_applicable", "counted_weight",
    "passed_weight"}; score is None when nothing was counted then.
    """
    then = tally(framework=framework, rules=rules, data_sources=data_sources, as_of=when)
    return {
        "as_of": as_of_moment(when).isoformat().replace("+00:00", "Z"),
        "score": then.score,
        "passed": then.passed,
        "failed": then.failed,
        "error": then.error,
        "not_applicable": then.not_applicable,
        "counted_weight": then.counted_weight,
        "passed_weight": then.passed_weight,
    }


def regressions(start, end, *, framework=None, limit=None):
    """Rules whose score fell between `start` and `end`, biggest fall first.

    [{"rule_id", "rule", "framework", "severity", "score_before", "score_after", "change",
    "failing_before", "failing_after"}]; a rule counts only when it had a score at both dates.
    """
    before = tally(framework=framework, as_of=start, by="rule")
    after = tally(framework=framework, as_of=end, by="rule")
    fallen = []
    for rule_id, new in after.items():
        old = before.get(rule_id)
        if old is None or old.score is None or new.score is None or new.score >= old.score:
            continue
        fallen.append((rule_id, old, new))
    names = {
        rule.pk: rule
        for rule in ComplianceRule.objects.filter(pk__in=[rule_id for rule_id, _, _ in fallen]).select_related(
            "framework"
        )
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
