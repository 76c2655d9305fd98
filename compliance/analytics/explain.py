"""Explainable score: which rules and data sources carry the weight the score loses.

Lost weight is the severity weight of every failed or errored latest evaluation (the
counted weight that is not passed weight). Fixing a rule everywhere would raise the
score by 100 × its lost weight / counted weight points ("score_gain").
"""
from django.db.models import Count

from ..choices import SEVERITY_WEIGHTS, EvaluationStatus
from ..models import ComplianceRule, DataSource
from ..scoring import _latest_in_scope, score_tally

FAILING = (EvaluationStatus.FAILED, EvaluationStatus.ERROR)


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else 0.0


def _lost_by(failing, key):
    """({key: lost weight}, {key: failing pairs}) from the failing latest evaluations (one query)."""
    lost, pairs = {}, {}
    for value, severity, n in failing.values_list(key, "rule__severity").annotate(n=Count("id")).order_by():
        lost[value] = lost.get(value, 0) + SEVERITY_WEIGHTS[severity] * n
        pairs[value] = pairs.get(value, 0) + n
    return lost, pairs


def score_explanation(*, framework=None, rules=None, data_sources=None, limit=10, tally=None):
    """{"score", "counted_weight", "passed_weight", "lost_weight", "rules": [...], "data_sources": [...]}.

    Each rule row: rule_id, rule, framework, severity, lost_weight, share (% of lost
    weight), score_gain, failing_sources. Each data source row: data_source_id,
    data_source, lost_weight, share, score_gain, failing_rules. Biggest loss first. `tally`:
    the scope's score tally when the caller has it already.
    """
    if tally is None:
        tally = score_tally(framework=framework, rules=rules, data_sources=data_sources)
    lost_total = tally.counted_weight - tally.passed_weight
    failing = _latest_in_scope(framework=framework, rules=rules, data_sources=data_sources).filter(
        status__in=FAILING)
    by_rule, rule_sources = _lost_by(failing, "rule_id")
    by_source, source_rules = _lost_by(failing, "data_source_id")

    def top(weights):
        return sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:limit]

    top_rules, top_sources = top(by_rule), top(by_source)
    rule_rows = {row["pk"]: row for row in ComplianceRule.objects.filter(pk__in=[pk for pk, _ in top_rules])
                 .values("pk", "name", "framework__code", "severity")}
    source_names = dict(DataSource.objects.filter(pk__in=[pk for pk, _ in top_sources]).values_list("pk", "name"))

    def gain(lost):
        return _share(lost, tally.counted_weight)

    return {
        "score": tally.score,
        "counted_weight": tally.counted_weight,
        "passed_weight": tally.passed_weight,
        "lost_weight": lost_total,
        "rules": [
            {"rule_id": pk, "rule": rule_rows[pk]["name"], "framework": rule_rows[pk]["framework__code"],
             "severity": rule_rows[pk]["severity"], "lost_weight": lost, "share": _share(lost, lost_total),
             "score_gain": gain(lost), "failing_sources": rule_sources[pk]}
            for pk, lost in top_rules
        ],
        "data_sources": [
            {"data_source_id": pk, "data_source": source_names[pk], "lost_weight": lost,
             "share": _share(lost, lost_total), "score_gain": gain(lost), "failing_rules": source_rules[pk]}
            for pk, lost in top_sources
        ],
    }
