"""The plan of action and milestones (POA&M) of a system, from its findings.

One item per open finding and per risk acceptance, with the finding's latest failed
evaluation as its observation, a risk carrying the deadline (the finding's due date, or
its opening plus settings.POAM_REMEDIATION_DAYS for its severity) and the status, and the
steps of the remediation workflows started for the finding as milestones.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from compliance.choices import ACTIVE_FINDING_STATUSES, FindingStatus
from compliance.models import Finding
from compliance.oscal.common import validate
from workflows.models import Workflow, WorkflowStep

from .common import metadata, one_line, prop, stable_uuid
from .scope import system_data_sources, system_rules

_RISK_STATUS = {
    FindingStatus.OPEN: "open",
    FindingStatus.IN_PROGRESS: "remediating",
    FindingStatus.RISK_ACCEPTED: "deviation-approved",
}


def deadline(finding):
    """When the finding must be remediated: its due date, else the per-severity policy."""
    if finding.due_at:
        return finding.due_at
    return finding.opened_at + timedelta(days=settings.POAM_REMEDIATION_DAYS[finding.severity])


def system_findings(system):
    """Open findings and risk acceptances on the system's rules and data sources."""
    return (
        Finding.objects.filter(
            rule__in=system_rules(system),
            data_source__in=system_data_sources(system),
            status__in=(*ACTIVE_FINDING_STATUSES, FindingStatus.RISK_ACCEPTED),
        )
        .select_related("rule", "data_source", "last_evaluation")
        .prefetch_related(
            Prefetch(
                "workflows",
                queryset=Workflow.objects.order_by("created_at").prefetch_related(
                    Prefetch("steps", queryset=WorkflowStep.objects.order_by("order"))
                ),
            )
        )
        .order_by("opened_at", "pk")
    )


def _milestone(step):
    when = step.completed_at or step.due_at or step.started_at
    node = {
        "uuid": stable_uuid("milestone", step.pk),
        "type": "milestone",
        "title": one_line(f"{step.order}. {step.name}", f"Step {step.order}"),
        "description": one_line(step.description, f"Remediation step {step.name} ({step.status})."),
        "props": [prop("step-status", step.status)],
    }
    if when:
        node["timing"] = {"on-date": {"date": when.isoformat()}}
    return node


def _observation(finding):
    evaluation = finding.last_evaluation
    collected = evaluation.evaluated_at if evaluation else finding.last_seen_at
    return {
        "uuid": stable_uuid("observation", "finding", finding.pk),
        "title": one_line(f"{finding.rule.name} failed on {finding.data_source.name}"),
        "description": one_line(finding.title, "Failed evaluation."),
        "methods": ["TEST"],
        "props": [prop("occurrences", finding.occurrences)],
        "collected": collected.isoformat(),
    }


def _risk(finding):
    milestones = [_milestone(step) for workflow in finding.workflows.all() for step in workflow.steps.all()]
    risk = {
        "uuid": stable_uuid("risk", "finding", finding.pk),
        "title": one_line(finding.title, "Risk"),
        "description": one_line(finding.notes or finding.rule.description, finding.title),
        "statement": one_line(
            f"Rule {finding.rule.name} fails on {finding.data_source.name} (severity {finding.severity}).",
        ),
        "props": [prop("severity", finding.severity)],
        "status": _RISK_STATUS[finding.status],
        "deadline": deadline(finding).isoformat(),
        "related-observations": [{"observation-uuid": stable_uuid("observation", "finding", finding.pk)}],
    }
    if finding.rule.remediation.strip() or milestones:
        remediation = {
            "uuid": stable_uuid("remediation", finding.pk),
            "lifecycle": "planned",
            "title": "Remediation",
            "description": one_line(finding.rule.remediation, "Remediation through the workflow's steps."),
        }
        if milestones:
            remediation["tasks"] = milestones
        risk["remediations"] = [remediation]
    return risk


def _item(finding):
    return {
        "uuid": stable_uuid("poam-item", finding.pk),
        "title": one_line(finding.title, "Finding"),
        "description": one_line(f"{finding.title} (finding {finding.pk}, opened {finding.opened_at:%Y-%m-%d})."),
        "props": [
            prop("finding-id", finding.pk),
            prop("finding-status", finding.status),
            prop("severity", finding.severity),
        ],
        "related-observations": [{"observation-uuid": stable_uuid("observation", "finding", finding.pk)}],
        "related-risks": [{"risk-uuid": stable_uuid("risk", "finding", finding.pk)}],
    }


def export_poam(*, system):
    """Return {"plan-of-action-and-milestones": {...}}, validated with trestle's POA&M model."""
    from trestle.oscal.poam import Model

    findings = list(system_findings(system))
    stamps = [system.updated_at, *(f.updated_at for f in findings)]
    body = {
        "uuid": stable_uuid("poam", system.pk),
        "metadata": metadata(
            title=f"Plan of action and milestones: {system.name}", last_modified=max(stamps), system=system
        ),
        "import-ssp": {"href": f"/api/v1/systems/{system.pk}/oscal/ssp/"},
        "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122", "id": stable_uuid("system", system.pk)},
    }
    if findings:
        body["observations"] = [_observation(f) for f in findings]
        body["risks"] = [_risk(f) for f in findings]
    body["poam-items"] = [_item(f) for f in findings] or [
        {
            "uuid": stable_uuid("poam-item", "none", system.pk),
            "title": "No open findings",
            "description": f"No open finding or risk acceptance on {system.name} as of {timezone.now():%Y-%m-%d}.",
        }
    ]
    document = {"plan-of-action-and-milestones": body}
    validate(Model, document)
    return document
