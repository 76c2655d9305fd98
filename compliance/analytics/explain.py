"""Explainable score: which rules and data sources carry the weight the score loses.

Lost weight is the severity weight of every failed or errored latest evaluation (the
counted weight that is not passed weight). Fixing a rule everywhere would raise the
score by 100 × its lost weight / counted weight points ("score_gain").
"""

from django.db.models import Count

from ..choices import SEVERITY_WEIGHTS, EvaluationStatus
from ..evaluations import latest_in_scope
from ..evaluations import tally as score_tally
from ..freshness import state_summary
from ..models import Control

FAILING = (EvaluationStatus.FAILED, EvaluationStatus.ERROR)


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else 0.0


def _lost_by(failing, key, *labels):
    """({key: lost weight}, {key: failing pairs}, {key: (severity, *labels)}) from the failing
    latest evaluations, in one query; `labels` depend on `key` alone (a name, a code)."""
    lost, pairs, named = {}, {}, {}
    rows = failing.values_list(key, "rule__severity", *labels).annotate(n=Count("id")).order_by()
    for value, severity, *label, n in rows:
        lost[value] = lost.get(value, 0) + SEVERITY_WEIGHTS[severity] * n
        pairs[value] = pairs.get(value, 0) + n
        named[value] = (severity, *label)
    return lost, pairs, named


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
    failing = latest_in_scope(framework=framework, rules=rules, data_sources=data_sources).filter(status__in=FAILING)
    by_rule, rule_sources, rule_labels = _lost_by(failing, "rule_id", "rule__name", "rule__framework__code")
    by_source, source_rules, source_labels = _lost_by(failing, "data_source_id", "data_source__name")

    def top(weights):
        return sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:limit]

    top_rules, top_sources = top(by_rule), top(by_source)

    def gain(lost):
        return _share(lost, tally.counted_weight)

    controls = Control.objects.filter(is_group=False)
    if framework is not None:
        controls = controls.filter(framework__code=getattr(framework, "code", framework))
    return {
        "score": tally.score,
        # Stale is shown apart from failing: it does not lower the score (docs/evidence.md).
        "control_states": state_summary(controls, limit=limit),
        "counted_weight": tally.counted_weight,
        "passed_weight": tally.passed_weight,
        "lost_weight": lost_total,
        "rules": [
            {
                "rule_id": pk,
                "rule": rule_labels[pk][1],
                "framework": rule_labels[pk][2],
                "severity": rule_labels[pk][0],
                "lost_weight": lost,
                "share": _share(lost, lost_total),
                "score_gain": gain(lost),
                "failing_sources": rule_sources[pk],
            }
            for pk, lost in top_rules
        ],
        "data_sources": [
            {
                "data_source_id": pk,
                "data_source": source_labels[pk][1],
                "lost_weight": lost,
                "share": _share(lost, lost_total),
                "score_gain": gain(lost),
                "failing_rules": source_rules[pk],
            }
            for pk, lost in top_sources
        ],
    }
