"""Figures for one framework's controls and one rule: the dashboard detail pages' selectors."""

from django.db.models import Count

from audit.selectors import object_history

from ..evaluations import ScoreTally, tally
from ..models import ComplianceRule, Control, LatestEvaluation
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
    controls = list(
        Control.objects.filter(framework=framework)
        .order_by("sort_order", "ref_id")
        .values("id", "ref_id", "title", "is_group", "parent_id")
    )
    rule_counts = dict(
        ComplianceRule.controls.through.objects.filter(control__framework=framework, compliancerule__is_active=True)
        .values_list("control_id")
        .annotate(n=Count("compliancerule_id"))
        .order_by()
    )
    tallies = tally(framework=framework, by="control")
    depth = {}
    result = []
    for control in controls:
        depth[control["id"]] = depth.get(control["parent_id"], -1) + 1 if control["parent_id"] else 0
        control_tally = tallies.get(control["id"], ScoreTally())
        count = rule_counts.get(control["id"], 0)
        result.append(
            {
                "id": control["id"],
                "ref_id": control["ref_id"],
                "title": control["title"],
                "is_group": control["is_group"],
                "depth": depth[control["id"]],
                "rules": count,
                "score": control_tally.score,
                "passed": control_tally.passed,
                "failed": control_tally.failed,
                "error": control_tally.error,
                "status": "group" if control["is_group"] else control_status(count, control_tally),
            }
        )
    testable = [row for row in result if not row["is_group"]]
    covered = sum(1 for row in testable if row["rules"])
    return {
        "framework": framework.code,
        "score": tally(framework=framework).score,
        "controls": result,
        "coverage": {
            "testable": len(testable),
            "covered": covered,
            "percent": round(100 * covered / len(testable), 1) if testable else None,
        },
    }


def rule_detail(rule, *, days=30, evaluations=50, history=20):
    """A rule's score, trend, latest evaluation per data source and audit history (newest first)."""
    rule_tally = tally(rules=[rule.pk]) if rule.is_active else ScoreTally()
    latest = list(
        LatestEvaluation.objects.filter(rule=rule)
        .select_related("data_source")
        .order_by("-evaluated_at", "-id")[:evaluations]
    )
    audit = list(object_history(model=ComplianceRule, object_id=rule.pk)[:history]) if history else []
    return {
        "score": rule_tally.score,
        "tally": rule_tally,
        "trend": trend(days=days, rule=rule),
        "latest": latest,
        "audit": audit,
    }
