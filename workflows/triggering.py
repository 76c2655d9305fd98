"""Starting workflows from compliance events and schedules, and noting resolved findings."""

import logging

from croniter import croniter
from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.models import Finding

from .choices import OPEN_WORKFLOW_STATUSES, TriggerEvent, WorkflowType
from .models import Workflow, WorkflowTrigger
from .services import add_note, create_workflow, start_workflow

logger = logging.getLogger(__name__)


def finding_variables(finding, event):
    """What a triggered workflow's conditions can read about its finding."""
    rule = finding.rule
    evaluation = finding.last_evaluation
    return {
        "event": event,
        "severity": finding.severity,
        "score": evaluation.score if evaluation is not None else None,
        "rule": rule.name,
        "rule_id": rule.pk,
        "framework": rule.framework.code,
        "data_source": finding.data_source.name,
        "tags": list(rule.tags or []),
        "recurrence_count": finding.recurrence_count,
    }


def _start_for(trigger, finding, event):
    """Create and start one workflow; None when an open one already exists for (finding, trigger)."""
    try:
        with transaction.atomic():
            workflow = create_workflow(
                data={
                    "name": f"{trigger.template.name}: {finding.title}"[:300],
                    "template": trigger.template,
                    "workflow_type": trigger.template.workflow_type,
                    "priority": trigger.priority,
                    "variables": finding_variables(finding, event),
                    "rule": finding.rule,
                    "finding": finding,
                    "trigger": trigger,
                }
            )
            return start_workflow(workflow=workflow)
    except IntegrityError:
        # The partial unique constraint: another start for this pair won the race.
        return None


def start_workflows_for_findings(*, event, finding_ids):
    """Start the matching triggers' workflows for these findings; return how many were started.

    Deduplicated twice: pairs that already have an open workflow are skipped up front (one
    query), and the database constraint settles any race with a concurrent task.
    """
    triggers = list(WorkflowTrigger.objects.filter(event=event, is_active=True).select_related("template"))
    if not triggers or not finding_ids:
        return 0
    findings = (
        Finding.objects.active()
        .filter(pk__in=finding_ids)
        .select_related("rule__framework", "data_source", "last_evaluation")
    )
    open_pairs = set(
        Workflow.objects.filter(
            finding_id__in=finding_ids,
            trigger__in=triggers,
            status__in=OPEN_WORKFLOW_STATUSES,
        ).values_list("finding_id", "trigger_id")
    )
    started = 0
    for finding in findings:
        rule = finding.rule
        for trigger in triggers:
            if (finding.pk, trigger.pk) in open_pairs or not trigger.matches_rule(
                rule_id=rule.pk,
                framework_id=rule.framework_id,
                severity=rule.severity,
                tags=rule.tags,
            ):
                continue
            if _start_for(trigger, finding, event) is not None:
                started += 1
    return started


def start_workflows_for_failed_pairs(*, pairs):
    """evaluation_failed: the findings of the failing (rule, data source) pairs."""
    rule_ids = {rule_id for rule_id, _ in pairs}
    source_ids = {source_id for _, source_id in pairs}
    wanted = {tuple(pair) for pair in pairs}
    finding_ids = [
        pk
        for pk, rule_id, source_id in Finding.objects.filter(
            rule_id__in=rule_ids, data_source_id__in=source_ids
        ).values_list("pk", "rule_id", "data_source_id")
        if (rule_id, source_id) in wanted
    ]
    return start_workflows_for_findings(event=TriggerEvent.EVALUATION_FAILED, finding_ids=finding_ids)


def note_resolved_findings(*, finding_ids):
    """Add a note to each open remediation workflow whose finding has been resolved."""
    workflows = Workflow.objects.filter(
        finding_id__in=finding_ids,
        status__in=OPEN_WORKFLOW_STATUSES,
        workflow_type=WorkflowType.REMEDIATION,
        finding__status="resolved",
    ).select_related("finding")
    count = 0
    for workflow in workflows:
        resolved_at = workflow.finding.resolved_at
        add_note(
            workflow=workflow,
            author="system",
            key=f"finding-resolved:{resolved_at.isoformat()}",
            text=f"Finding resolved by a passing evaluation at {resolved_at:%Y-%m-%d %H:%M} UTC.",
        )
        count += 1
    return count


def next_run(cron, after):
    return croniter(cron, after).get_next(type(after))


def run_due_schedule_triggers(*, now=None):
    """Start one workflow per schedule trigger whose time has come; return how many started."""
    now = now or timezone.now()
    started = 0
    due = WorkflowTrigger.objects.filter(event=TriggerEvent.SCHEDULE, is_active=True, next_run_at__lte=now)
    for trigger_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            trigger = (
                WorkflowTrigger.objects.select_for_update(skip_locked=True)
                .select_related("template")
                .filter(pk=trigger_id, next_run_at__lte=now)
                .first()
            )
            if trigger is None:
                continue  # another beat run has it
            trigger.next_run_at = next_run(trigger.cron, now)
            trigger.save(update_fields=["next_run_at", "updated_at"])
            workflow = create_workflow(
                data={
                    "name": f"{trigger.template.name} ({now:%Y-%m-%d})",
                    "template": trigger.template,
                    "workflow_type": trigger.template.workflow_type,
                    "priority": trigger.priority,
                    "variables": {"event": TriggerEvent.SCHEDULE},
                    "trigger": trigger,
                }
            )
            start_workflow(workflow=workflow, now=now)
            started += 1
    return started


def handle_compliance_events(*, events):
    """One batch of compliance events from one ingest transaction (workflows/receivers.py):
    {"finding_opened": [ids], "finding_reopened": [ids], "evaluation_failed": [[rule, source]],
    "finding_resolved": [ids]}. Starts the workflows their triggers ask for and notes
    resolutions on open ones; returns {"started", "noted"}."""
    started = 0
    for event in (TriggerEvent.FINDING_OPENED, TriggerEvent.FINDING_REOPENED):
        if events.get(event):
            started += start_workflows_for_findings(event=event, finding_ids=events[event])
    if events.get(TriggerEvent.EVALUATION_FAILED):
        started += start_workflows_for_failed_pairs(pairs=events[TriggerEvent.EVALUATION_FAILED])
    resolved = events.get("finding_resolved")
    noted = note_resolved_findings(finding_ids=resolved) if resolved else 0
    return {"started": started, "noted": noted}
