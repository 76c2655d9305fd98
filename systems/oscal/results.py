"""Assessment results of a system for a period: its evaluations, findings and observations.

Per (rule, data source) of the system, the newest evaluation inside the period is an
observation; each control in scope with counted evaluations gets a finding, satisfied only
when all of them passed; each of the system's findings (Finding rows) open during the
period is listed with its observation.
"""

from collections import defaultdict

from compliance.choices import EvaluationStatus
from compliance.models import ComplianceRule, Finding, RuleEvaluation
from compliance.oscal.common import validate

from ..models import ImplementedRequirement
from .common import catalog_resource, control_ids, metadata, one_line, prop, stable_uuid
from .scope import system_data_sources, system_rules

_EXAMINED = {"policy", "manual", "documentation"}


def _newest_per_pair(system, start, end):
    newest = {}
    rows = (
        RuleEvaluation.objects.filter(
            rule__in=system_rules(system),
            data_source__in=system_data_sources(system),
            evaluated_at__gte=start,
            evaluated_at__lte=end,
        )
        .select_related("rule", "data_source")
        .order_by("rule_id", "data_source_id", "-evaluated_at", "-pk")
    )
    for evaluation in rows.iterator(chunk_size=2000):
        newest.setdefault((evaluation.rule_id, evaluation.data_source_id), evaluation)
    return list(newest.values())


def _observation(evaluation):
    rule, source = evaluation.rule, evaluation.data_source
    return {
        "uuid": stable_uuid("evaluation", evaluation.pk),
        "title": one_line(f"{rule.name} on {source.name}"),
        "description": f"Evaluation of rule {rule.name!r} on {source.name!r}: {evaluation.status}.",
        "props": [prop("result", evaluation.status), prop("severity", rule.severity)],
        "methods": ["EXAMINE" if rule.rule_type in _EXAMINED else "TEST"],
        "types": ["control-objective"],
        "subjects": [
            {
                "subject-uuid": stable_uuid("data-source", source.pk),
                "type": "inventory-item",
                "title": one_line(source.name),
            }
        ],
        "collected": evaluation.evaluated_at.isoformat(),
    }


def export_system_results(*, system, start, end):
    """Return {"assessment-results": {...}} for the system and period, validated with trestle."""
    from trestle.oscal.assessment_results import Model

    ids = control_ids(system.framework)
    in_scope = set(ImplementedRequirement.objects.in_scope(system).values_list("control_id", flat=True))
    evaluations = _newest_per_pair(system, start, end)
    by_rule = defaultdict(list)
    for evaluation in evaluations:
        by_rule[evaluation.rule_id].append(evaluation)
    by_control = defaultdict(list)
    for rule_id, control_id in ComplianceRule.controls.through.objects.filter(
        compliancerule_id__in=list(by_rule), control_id__in=in_scope
    ).values_list("compliancerule_id", "control_id"):
        by_control[control_id].extend(by_rule[rule_id])
    findings = []
    position = {pk: n for n, pk in enumerate(ids)}
    for control_id in sorted(by_control, key=position.__getitem__):
        counted = [e for e in by_control[control_id] if e.status != EvaluationStatus.NOT_APPLICABLE]
        if not counted:
            continue
        passed = sum(e.status == EvaluationStatus.PASSED for e in counted)
        findings.append(
            {
                "uuid": stable_uuid("finding", system.pk, control_id, start.isoformat(), end.isoformat()),
                "title": f"{ids[control_id]}: {passed} of {len(counted)} passed",
                "description": f"{passed} of {len(counted)} evaluations in the period passed for this control.",
                "target": {
                    "type": "objective-id",
                    "target-id": ids[control_id],
                    "status": {"state": "satisfied" if passed == len(counted) else "not-satisfied"},
                },
                "related-observations": [
                    {"observation-uuid": stable_uuid("evaluation", e.pk)} for e in by_control[control_id]
                ],
            }
        )
    open_findings = Finding.objects.filter(
        rule__in=system_rules(system), data_source__in=system_data_sources(system), opened_at__lte=end
    ).exclude(resolved_at__lt=start)
    sources = {e.data_source_id: e.data_source for e in evaluations}
    result = {
        "uuid": stable_uuid("result", system.pk, start.isoformat(), end.isoformat()),
        "title": one_line(f"Assessment results for {system.name}"),
        "description": f"{len(evaluations)} latest evaluations in the period; {len(findings)} controls assessed.",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "props": [prop("open-findings", open_findings.count())],
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": f["target"]["target-id"]} for f in findings]}
                if findings
                else {"include-all": {}}
            ]
        },
    }
    if sources:
        result["local-definitions"] = {
            "inventory-items": [
                {
                    "uuid": stable_uuid("data-source", s.pk),
                    "description": one_line(s.name),
                    "props": [prop("source-type", s.source_type)],
                }
                for s in sources.values()
            ]
        }
    if evaluations:
        result["observations"] = [_observation(e) for e in evaluations]
    if findings:
        result["findings"] = findings
    ap_uuid = stable_uuid("ap-resource", system.pk)
    document = {
        "assessment-results": {
            "uuid": stable_uuid("assessment-results", system.pk, start.isoformat(), end.isoformat()),
            "metadata": metadata(title=f"Assessment results: {system.name}", last_modified=end, system=system),
            "import-ap": {"href": f"#{ap_uuid}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": ap_uuid,
                        "title": "Assessment plan",
                        "rlinks": [{"href": f"/api/v1/systems/{system.pk}/oscal/assessment-plan/"}],
                    },
                    catalog_resource(system.framework),
                ]
            },
        }
    }
    validate(Model, document)
    return document
