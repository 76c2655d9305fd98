"""Workflow operations: the one place that changes workflows and their steps.

Keyword-only and atomic. The API views, admin actions and Celery tasks all call these.
Each operation locks the workflow row first, so two people acting on the same step at
once are serialised and the second one sees the first one's result (and gets a 409).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from common.access import AccessLevel, highest
from common.exceptions import ConflictError, InvalidTransition
from common.writes import ModelWrites, create_row, update_row

from .choices import (
    DONE_STEP_STATUSES,
    RUNNING_WORKFLOW_STATUSES,
    ApprovalDecision,
    NotificationVerb,
    StepStatus,
    StepType,
    WorkflowStatus,
)
from .conditions import ConditionError, evaluate_condition
from .models import StepApproval, Workflow, WorkflowStep, WorkflowTemplate, WorkflowTrigger
from .notifications import notify, role_members, step_audience
from .selectors import user_may_act_on_step


class StepConflict(ConflictError):
    """The step or workflow cannot be acted on in its current state (API: 409)."""


class StepForbidden(Exception):
    """The user may not act on this step (API: 403; the attempt is audited)."""


def _locked(workflow):
    return Workflow.objects.select_for_update().select_related("template").get(pk=workflow.pk)


def _steps(workflow):
    return list(workflow.steps.select_related("assigned_to").order_by("order"))


def _update_progress(workflow, steps):
    done = sum(1 for step in steps if step.status in DONE_STEP_STATUSES)
    workflow.progress_percentage = round(100 * done / len(steps), 1) if steps else 100.0


def _save(workflow, steps):
    _update_progress(workflow, steps)
    workflow.save(update_fields=["current_step", "progress_percentage", "updated_at"])


def _set_status(workflow, status, *, actor, reason=""):
    if workflow.status != status:
        workflow.transition_to(status, actor=actor, reason=reason)


def _finish_step(step, status, *, now, actor=None, comment=""):
    step.status = status
    step.completed_at = now
    step.completed_by = actor if getattr(actor, "is_authenticated", False) else None
    step.comment = comment
    step.save(update_fields=["status", "completed_at", "completed_by", "comment"])


def _start_step(workflow, step, *, now):
    step.status = StepStatus.IN_PROGRESS
    step.round += 1
    step.started_at = now
    step.completed_at = step.completed_by = step.overdue_at = step.escalated_at = None
    step.due_at = now + timedelta(hours=step.due_in_hours) if step.due_in_hours else None
    step.escalate_at = step.due_at + timedelta(hours=workflow.escalation_grace_hours) if step.due_at else None
    if (
        step.assigned_to_id is None
        and workflow.assigned_to_id
        and (not step.role or role_members(step.role).filter(pk=workflow.assigned_to_id).exists())
    ):
        step.assigned_to = workflow.assigned_to
    step.save()
    verb = NotificationVerb.APPROVAL_NEEDED if step.step_type == StepType.APPROVAL else NotificationVerb.ASSIGNED
    notify(
        recipients=step_audience(step, workflow),
        verb=verb,
        workflow=workflow,
        step=step,
        message=f"{workflow.name}: step {step.order} '{step.name}' is waiting for you.",
    )


def _fail(workflow, steps, *, actor, reason):
    for step in steps:
        if step.status in (StepStatus.PENDING, StepStatus.IN_PROGRESS):
            step.status = StepStatus.CANCELLED
            step.save(update_fields=["status"])
    workflow.current_step = None
    _save(workflow, steps)
    _set_status(workflow, WorkflowStatus.FAILED, actor=actor, reason=reason)


def _rewind(steps, target_key, current):
    """Reset the steps from `target_key` up to `current` so they run again; return the target index."""
    index = next(i for i, step in enumerate(steps) if step.key == target_key)
    for step in steps[index : current + 1]:
        step.status = StepStatus.PENDING
        step.completed_at = step.completed_by = None
        step.save(update_fields=["status", "completed_at", "completed_by"])
    return index


def _follow_on_reject(workflow, steps, index, *, actor, reason):
    """Apply a step's on_reject: fail the workflow, or go back to an earlier step. Returns index or None."""
    target = steps[index].on_reject
    if target.startswith("goto:"):
        return _rewind(steps, target[5:], index)
    _fail(workflow, steps, actor=actor, reason=reason)
    return None


def _advance(workflow, steps, index, *, actor, now):
    """Run steps from `index` until one needs a person, or the workflow ends."""
    # Gates looping back on themselves could spin forever; a hard bound turns that into a failure.
    budget = 4 * len(steps) + 10
    variables = workflow.variables or {}
    while index is not None and index < len(steps):
        budget -= 1
        if budget < 0:
            return _fail(workflow, steps, actor=actor, reason="Steps looped without reaching a person.")
        step = steps[index]
        if step.condition:
            # Variables not set yet read as null, so `flag == True` is simply false.
            try:
                holds = evaluate_condition(step.condition, variables, strict=False)
            except ConditionError as exc:
                return _fail(workflow, steps, actor=actor, reason=f"Step '{step.key}': {exc}")
            if step.step_type == StepType.GATE:
                if not holds:
                    _finish_step(step, StepStatus.REJECTED, now=now, comment="Gate condition was false.")
                    index = _follow_on_reject(
                        workflow, steps, index, actor=actor, reason=f"Gate '{step.key}' condition was false."
                    )
                    continue
            elif not holds:
                _finish_step(step, StepStatus.SKIPPED, now=now, comment="Condition was false.")
                index += 1
                continue
        if step.step_type in (StepType.GATE, StepType.NOTIFICATION):
            if step.step_type == StepType.NOTIFICATION:
                notify(
                    recipients=step_audience(step, workflow),
                    verb=NotificationVerb.STEP_NOTICE,
                    workflow=workflow,
                    step=step,
                    message=f"{workflow.name}: {step.name}. {step.description}",
                )
            _finish_step(step, StepStatus.COMPLETED, now=now)
            index += 1
            continue
        _start_step(workflow, step, now=now)
        workflow.current_step = step
        _save(workflow, steps)
        waiting = step.step_type == StepType.APPROVAL
        _set_status(workflow, WorkflowStatus.WAITING_APPROVAL if waiting else WorkflowStatus.ACTIVE, actor=actor)
        return None
    if index is None:
        return None
    workflow.current_step = None
    _save(workflow, steps)
    _set_status(workflow, WorkflowStatus.COMPLETED, actor=actor, reason="All steps done.")
    notify(
        recipients=[workflow.assigned_to, workflow.created_by],
        verb=NotificationVerb.COMPLETED,
        workflow=workflow,
        message=f"{workflow.name} is complete.",
    )
    return None


def _transition(workflow, status, *, actor, reason):
    try:
        workflow.transition_to(status, actor=actor, reason=reason)
    except InvalidTransition as exc:
        raise StepConflict(str(exc)) from None


@transaction.atomic
def start_workflow(*, workflow, actor=None, now=None):
    """Create the steps from the template's step list and run up to the first step needing a person."""
    workflow = _locked(workflow)
    if workflow.status != WorkflowStatus.DRAFT:
        raise StepConflict(
            f"Only a draft workflow can be started; this one is {workflow.get_status_display().lower()}."
        )
    now = now or timezone.now()
    template = workflow.template
    workflow.escalation_role = template.escalation_role
    workflow.escalation_grace_hours = template.escalation_grace_hours
    workflow.save(update_fields=["escalation_role", "escalation_grace_hours", "updated_at"])
    # One save per step (at most 50), not bulk_create: steps are audited models.
    steps = [
        WorkflowStep.objects.create(
            workflow=workflow,
            order=position,
            key=spec["key"],
            name=spec["name"],
            step_type=spec["type"],
            role=spec.get("role", ""),
            description=spec.get("description", ""),
            estimated_hours=spec.get("estimated_hours") or 0,
            due_in_hours=spec.get("due_in_hours"),
            condition=spec.get("condition") or "",
            on_reject=spec.get("on_reject") or "fail",
            quorum=spec.get("quorum") or 1,
        )
        for position, spec in enumerate(template.steps, start=1)
    ]
    record_event(action="workflow_started", instance=workflow, message=f"Started from template {template.slug}.")
    _advance(workflow, steps, 0, actor=actor, now=now)
    return workflow


@transaction.atomic
def pause_workflow(*, workflow, actor=None, reason=""):
    workflow = _locked(workflow)
    _transition(workflow, WorkflowStatus.PAUSED, actor=actor, reason=reason)
    return workflow


@transaction.atomic
def resume_workflow(*, workflow, actor=None, reason=""):
    workflow = _locked(workflow)
    if workflow.status != WorkflowStatus.PAUSED:
        raise StepConflict("Only a paused workflow can be resumed.")
    step = workflow.current_step
    waiting = step is not None and step.step_type == StepType.APPROVAL
    _transition(
        workflow, WorkflowStatus.WAITING_APPROVAL if waiting else WorkflowStatus.ACTIVE, actor=actor, reason=reason
    )
    return workflow


@transaction.atomic
def cancel_workflow(*, workflow, actor=None, reason=""):
    workflow = _locked(workflow)
    _transition(workflow, WorkflowStatus.CANCELLED, actor=actor, reason=reason)
    for step in workflow.steps.filter(status__in=(StepStatus.PENDING, StepStatus.IN_PROGRESS)):
        step.status = StepStatus.CANCELLED
        step.save(update_fields=["status"])
    workflow.current_step = None
    workflow.save(update_fields=["current_step", "updated_at"])
    return workflow


def _authorize(*, workflow, order, user, action):
    """Return the step; audit and raise StepForbidden when `user` may not act on it."""
    step = WorkflowStep.objects.filter(workflow=workflow, order=order).first()
    if step is None:
        raise WorkflowStep.DoesNotExist(f"Workflow {workflow.pk} has no step {order}.")
    if not user_may_act_on_step(user, step):
        record_event(
            action="permission_denied",
            instance=workflow,
            impact_level="medium",
            message=f"{user} may not {action} step {order} ({step.name}): not in role {step.role!r}, "
            "not the assignee, not a compliance admin.",
            changes={"step": [None, order], "action": [None, action]},
        )
        raise StepForbidden(
            f"Only members of '{step.role}', the assignee or a compliance admin may {action} this step."
        )
    return step


def _current(workflow, order, *, allowed_types, action):
    workflow = _locked(workflow)
    steps = _steps(workflow)
    index = next(i for i, step in enumerate(steps) if step.order == order)
    step = steps[index]
    if workflow.status not in RUNNING_WORKFLOW_STATUSES:
        raise StepConflict(f"The workflow is {workflow.get_status_display().lower()}; steps cannot be acted on.")
    if step.status != StepStatus.IN_PROGRESS or workflow.current_step_id != step.pk:
        raise StepConflict(f"Step {order} is {step.get_status_display().lower()}, not the current step.")
    if step.step_type not in allowed_types:
        raise StepConflict(f"A {step.get_step_type_display().lower()} step cannot be {action}.")
    return workflow, steps, index


def _record_decision(step, user, decision, comment):
    try:
        with transaction.atomic():
            StepApproval.objects.create(step=step, round=step.round, user=user, decision=decision, comment=comment)
    except IntegrityError:
        raise StepConflict("You have already decided on this step.") from None


def complete_step(*, workflow, order, user, comment="", now=None):
    """Mark the current task step done and move on. 403/409 rules as in docs/workflows.md."""
    _authorize(workflow=workflow, order=order, user=user, action="complete")
    with transaction.atomic():
        workflow, steps, index = _current(workflow, order, allowed_types=(StepType.TASK,), action="completed")
        now = now or timezone.now()
        _finish_step(steps[index], StepStatus.COMPLETED, now=now, actor=user, comment=comment)
        _advance(workflow, steps, index + 1, actor=user, now=now)
        return workflow


def approve_step(*, workflow, order, user, comment="", now=None):
    """Record an approval; once the step's quorum is reached the step completes."""
    _authorize(workflow=workflow, order=order, user=user, action="approve")
    with transaction.atomic():
        workflow, steps, index = _current(workflow, order, allowed_types=(StepType.APPROVAL,), action="approved")
        step, now = steps[index], now or timezone.now()
        _record_decision(step, user, ApprovalDecision.APPROVED, comment)
        approvals = step.approvals.filter(round=step.round, decision=ApprovalDecision.APPROVED).count()
        record_event(
            action="step_approved",
            instance=workflow,
            impact_level="medium",
            message=f"Step {order} ({step.name}) approved ({approvals}/{step.quorum}). {comment}"[:2000],
            changes={"step": [None, order], "approvals": [approvals - 1, approvals]},
        )
        if approvals >= step.quorum:
            _finish_step(step, StepStatus.COMPLETED, now=now, actor=user, comment=comment)
            _advance(workflow, steps, index + 1, actor=user, now=now)
        return workflow


def reject_step(*, workflow, order, user, comment="", now=None):
    """Reject the current step; the step's on_reject decides: fail, or go back to an earlier step."""
    _authorize(workflow=workflow, order=order, user=user, action="reject")
    with transaction.atomic():
        workflow, steps, index = _current(
            workflow, order, allowed_types=(StepType.TASK, StepType.APPROVAL), action="rejected"
        )
        step, now = steps[index], now or timezone.now()
        _record_decision(step, user, ApprovalDecision.REJECTED, comment)
        record_event(
            action="step_rejected",
            instance=workflow,
            impact_level="medium",
            message=f"Step {order} ({step.name}) rejected: {comment}"[:2000],
            changes={"step": [None, order], "on_reject": [None, step.on_reject]},
        )
        _finish_step(step, StepStatus.REJECTED, now=now, actor=user, comment=comment)
        notify(
            recipients=[workflow.assigned_to, workflow.created_by],
            verb=NotificationVerb.REJECTED,
            workflow=workflow,
            step=step,
            message=f"{workflow.name}: step '{step.name}' was rejected. {comment}",
        )
        reason = f"Step {order} rejected by {user}: {comment}"
        next_index = _follow_on_reject(workflow, steps, index, actor=user, reason=reason)
        if next_index is not None:
            _advance(workflow, steps, next_index, actor=user, now=now)
        return workflow


@transaction.atomic
def assign_step(*, workflow, order, assignee, actor=None):
    """Assign a step that is not done to an active member of the step's role."""
    workflow = _locked(workflow)
    step = workflow.steps.select_for_update().get(order=order)
    if step.status not in (StepStatus.PENDING, StepStatus.IN_PROGRESS):
        raise StepConflict(f"Step {order} is {step.get_status_display().lower()}; it can no longer be assigned.")
    if not assignee.is_active or (step.role and not role_members(step.role).filter(pk=assignee.pk).exists()):
        raise ValidationError({"assigned_to": [f"{assignee} is not an active member of the role '{step.role}'."]})
    step.assigned_to = assignee
    step.save(update_fields=["assigned_to"])
    notify(
        recipients=[assignee],
        verb=NotificationVerb.ASSIGNED,
        workflow=workflow,
        step=step,
        message=f"{workflow.name}: step {step.order} '{step.name}' was assigned to you.",
    )
    return step


@transaction.atomic
def add_note(*, workflow, text, author="", key=None):
    """Append a note (locked, so concurrent notes are never lost).

    A note with a `key` is added once: a task that runs twice does not repeat it.
    """
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if key is not None and any(note.get("key") == key for note in workflow.notes):
        return workflow
    note = {"at": timezone.now().isoformat(), "author": author, "text": text[:5000]}
    if key is not None:
        note["key"] = key
    workflow.notes = [*workflow.notes, note]
    workflow.save(update_fields=["notes", "updated_at"])
    return workflow


# --- writes through every door (API, admin) ------------------------------------------------
@transaction.atomic
def create_template(*, data, actor=None):
    return create_row(WorkflowTemplate, data)


@transaction.atomic
def update_template(*, template, changes, actor=None):
    return update_row(template, changes)


@transaction.atomic
def delete_template(*, template, actor=None):
    template.delete()  # workflows PROTECT their template: a ProtectedError names them (409)


@transaction.atomic
def create_workflow(*, data, actor=None):
    """A draft workflow (start_workflow starts it); its owner is checked by Workflow.clean().

    A workflow about a finding is at least as hidden as its rule's framework asks
    (Framework.workflow_access_level), whatever level was given.
    """
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    data = {**data, "created_by": created_by}
    finding = data.get("finding")
    floor = finding.rule.framework.workflow_access_level if finding is not None else ""
    if floor:
        data["access_level"] = highest([data.get("access_level", AccessLevel.INTERNAL), floor])
    return create_row(Workflow, data)


@transaction.atomic
def update_workflow(*, workflow, changes, actor=None):
    if "template" in changes and changes["template"] != workflow.template:
        raise ValidationError({"template": ["The template of an existing workflow cannot change."]})
    return update_row(workflow, changes)


@transaction.atomic
def delete_workflow(*, workflow, actor=None):
    workflow.delete()


@transaction.atomic
def create_trigger(*, data, actor=None):
    return create_row(WorkflowTrigger, data)


@transaction.atomic
def update_trigger(*, trigger, changes, actor=None):
    return update_row(trigger, changes)


@transaction.atomic
def delete_trigger(*, trigger, actor=None):
    trigger.delete()


TEMPLATE_WRITES = ModelWrites("template", create_template, update_template, delete_template)
WORKFLOW_WRITES = ModelWrites("workflow", create_workflow, update_workflow, delete_workflow)
TRIGGER_WRITES = ModelWrites("trigger", create_trigger, update_trigger, delete_trigger)
