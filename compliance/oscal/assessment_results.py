"""OSCAL assessment results for the latest evaluations of a framework's active rules.

One result covering continuous monitoring: data sources are inventory items, each latest
evaluation (rule × data source) is an observation, and each control with counted
evaluations gets a finding whose state is satisfied only when all of them passed. The
compliance score (the one scoring function) is recorded as a prop of the result.
"""

import uuid
from collections import defaultdict

from django.utils import timezone

from compliance.choices import EvaluationStatus, RuleType
from compliance.evaluations import tally as score_tally
from compliance.models import ComplianceRule, LatestEvaluation

from .catalog_export import control_tokens, ordered_controls
from .common import NAMESPACE, oscal_version, stable_uuid, validate

_EXAMINED = {RuleType.POLICY, RuleType.MANUAL, RuleType.DOCUMENTATION}


def _prop(name, value):
    return {"name": name, "ns": NAMESPACE, "value": str(value)}


def _inventory_item(source):
    return {
        "uuid": stable_uuid("data-source", source.pk),
        "description": source.name,
        "props": [
            _prop("source-type", source.source_type),
            _prop("environment", source.environment),
            _prop("criticality", source.criticality),
        ],
    }


def _observation(latest):
    rule, source = latest.rule, latest.data_source
    props = [_prop("result", latest.status), _prop("rule", rule.name), _prop("severity", rule.severity)]
    if latest.score is not None:
        props.append(_prop("score", latest.score))
    return {
        "uuid": stable_uuid("evaluation", latest.evaluation_id),
        "title": " ".join(f"{rule.name} on {source.name}".split()),
        "description": f"Latest evaluation of rule {rule.name!r} on {source.name!r}: {latest.status}.",
        "props": props,
        "methods": ["EXAMINE" if rule.rule_type in _EXAMINED else "TEST"],
        "types": ["control-objective"],
        "subjects": [
            {
                "subject-uuid": stable_uuid("data-source", source.pk),
                "type": "inventory-item",
                "title": " ".join(source.name.split()),
            }
        ],
        "collected": latest.evaluated_at.isoformat(),
    }


def _finding(control, token, observed):
    counted = [latest for latest in observed if latest.status != EvaluationStatus.NOT_APPLICABLE]
    passed = sum(latest.status == EvaluationStatus.PASSED for latest in counted)
    satisfied = passed == len(counted)
    return {
        "uuid": stable_uuid("finding", control.pk, *sorted(latest.evaluation_id for latest in observed)),
        "title": " ".join(f"{control.ref_id} {control.title}".split()),
        "description": f"{passed} of {len(counted)} latest evaluations passed for this control.",
        "target": {
            "type": "objective-id",
            "target-id": token,
            "status": {"state": "satisfied" if satisfied else "not-satisfied"},
        },
        "related-observations": [
            {"observation-uuid": stable_uuid("evaluation", latest.evaluation_id)} for latest in observed
        ],
    }


def export_assessment_results(*, framework):
    """Return {"assessment-results": {...}}, valid against the OSCAL assessment-results model."""
    from trestle.oscal.assessment_results import Model

    now = timezone.now()
    latest_rows = list(
        LatestEvaluation.objects.filter(rule__framework=framework, rule__is_active=True)
        .select_related("rule", "data_source")
        .order_by("rule__name", "data_source__name")
    )
    controls = ordered_controls(framework)
    tokens = control_tokens(controls)
    by_rule = defaultdict(list)
    for latest in latest_rows:
        by_rule[latest.rule_id].append(latest)
    observed_by_control = defaultdict(list)
    links = ComplianceRule.controls.through.objects.filter(
        compliancerule_id__in=list(by_rule),
        control__framework=framework,
    ).values_list("compliancerule_id", "control_id")
    for rule_id, control_id in links:
        observed_by_control[control_id].extend(by_rule[rule_id])

    findings = [
        _finding(control, tokens[control.pk], observed_by_control[control.pk])
        for control in controls
        if any(latest.status != EvaluationStatus.NOT_APPLICABLE for latest in observed_by_control[control.pk])
    ]
    sources = {latest.data_source_id: latest.data_source for latest in latest_rows}
    tally = score_tally(framework=framework)
    result = {
        "uuid": str(uuid.uuid4()),
        "title": " ".join(f"Continuous monitoring results for {framework.name}".split()),
        "description": (
            f"Latest evaluation of every active rule of {framework.name} on each data source: "
            f"{tally.passed} passed, {tally.failed} failed, {tally.error} errors, "
            f"{tally.not_applicable} not applicable."
        ),
        "start": min((latest.evaluated_at for latest in latest_rows), default=now).isoformat(),
        "end": now.isoformat(),
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": f["target"]["target-id"]} for f in findings]}
                if findings
                else {"include-all": {}}
            ]
        },
    }
    if tally.score is not None:
        result["props"] = [_prop("compliance-score", tally.score)]
    if sources:
        result["local-definitions"] = {"inventory-items": [_inventory_item(s) for s in sources.values()]}
    if latest_rows:
        result["observations"] = [_observation(latest) for latest in latest_rows]
    if findings:
        result["findings"] = findings
    plan_uuid = stable_uuid("assessment-plan", framework.code)
    document = {
        "assessment-results": {
            "uuid": str(uuid.uuid4()),
            "metadata": {
                "title": " ".join(f"Assessment results: {framework.name}".split()),
                "last-modified": now.isoformat(),
                "version": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "oscal-version": oscal_version(),
                "props": [_prop("framework-code", framework.code)],
            },
            "import-ap": {"href": f"#{plan_uuid}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": plan_uuid,
                        "title": "Continuous monitoring plan",
                        "description": "Rules are evaluated continuously against every data source in scope; "
                        "there is no separate assessment plan document.",
                    }
                ]
            },
        }
    }
    validate(Model, document)
    return document
