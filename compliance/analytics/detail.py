"""Figures for one framework's controls and one rule: the dashboard detail pages' selectors."""
from collections import defaultdict

from django.db.models import Count

from audit.selectors import object_history

from ..models import ComplianceRule, Control, LatestEvaluation
from ..scoring import ScoreTally, score_tally
from .trends import trend


def control_status(rule_count, tally):
    """not_covered (no active rule), no_data, passing (nothing failing) or failing."""
    if not rule_count:
        return "not_covered"
    if not tally.counted_weight:
        return "no_data"
    return "failing" if tally.failed or tally.error else "passing"


def framework_controls(framework):
    """Controls of a framework with coverage and status (three queries).

    {"framework", "score", "controls": [{"id", "ref_id", "title", "is_group", "depth", "rules",
    "score", "passed", "failed", "error", "status"}], "coverage": {"testable", "covered",
    "percent"}}.
    """
    controls = list(Control.objects.filter(framework=framework).order_by("sort_order", "ref_id")
                    .values("id", "ref_id", "title", "is_group", "parent_id"))
    rule_counts = dict(
        ComplianceRule.controls.through.objects.filter(control__framework=framework, compliancerule__is_active=True)
        .values_list("control_id").annotate(n=Count("compliancerule_id")).order_by()
    )
    tallies = defaultdict(ScoreTally)
    rows = (LatestEvaluation.objects.filter(rule__is_active=True, rule__controls__framework=framework)
            .values_list("rule__controls", "status", "rule__severity").annotate(n=Count("id")).order_by())
    for control_id, status, severity, n in rows:
        tallies[control_id] = tallies[control_id].add(status=status, severity=severity, count=n)
    depth = {}
    result = []
    for control in controls:
        depth[control["id"]] = depth.get(control["parent_id"], -1) + 1 if control["parent_id"] else 0
        tally = tallies.get(control["id"], ScoreTally())
        count = rule_counts.get(control["id"], 0)
        result.append({
            "id": control["id"], "ref_id": control["ref_id"], "title": control["title"],
            "is_group": control["is_group"], "depth": depth[control["id"]], "rules": count,
            "score": tally.score, "passed": tally.passed, "failed": tally.failed, "error": tally.error,
            "status": "group" if control["is_group"] else control_status(count, tally),
        })
    testable = [row for row in result if not row["is_group"]]
    covered = sum(1 for row in testable if row["rules"])
    return {
        "framework": framework.code,
        "score": score_tally(framework=framework).score,
        "controls": result,
        "coverage": {"testable": len(testable), "covered": covered,
                     "percent": round(100 * covered / len(testable), 1) if testable else None},
    }


def rule_detail(rule, *, days=30, evaluations=50, history=20):
    """A rule's score, trend, latest evaluation per data source and audit history (newest first)."""
    tally = score_tally(rules=[rule.pk]) if rule.is_active else ScoreTally()
    latest = list(
        LatestEvaluation.objects.filter(rule=rule).select_related("data_source")
        .order_by("-evaluated_at", "-id")[:evaluations]
    )
    audit = list(object_history(model=ComplianceRule, object_id=rule.pk)[:history]) if history else []
    return {
        "score": tally.score,
        "tally": tally,
        "trend": trend(days=days, rule=rule),
        "latest": latest,
        "audit": audit,
    }
