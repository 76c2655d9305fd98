"""SLA: mark past-due steps overdue, then escalate them once after the grace period."""

from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from .choices import NotificationVerb
from .notifications import notify, role_members, step_audience
from .selectors import steps_past_due, steps_to_escalate

BATCH = 200


@transaction.atomic
def mark_overdue_and_escalate(*, now=None):
    """Run one SLA pass at `now`; return {"overdue": n, "escalated": m}.

    Rows are claimed with SKIP LOCKED and re-checked on the locked row, so two beat runs
    that overlap never notify or escalate the same step twice.
    """
    now = now or timezone.now()
    overdue = escalated = 0
    for step in (
        steps_past_due(now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("workflow", "assigned_to")
        .order_by("due_at")[:BATCH]
    ):
        step.overdue_at = now
        step.save(update_fields=["overdue_at"])
        notify(
            recipients=step_audience(step, step.workflow),
            verb=NotificationVerb.OVERDUE,
            workflow=step.workflow,
            step=step,
            message=f"{step.workflow.name}: step '{step.name}' was due {step.due_at:%Y-%m-%d %H:%M} UTC.",
        )
        overdue += 1
    for step in (
        steps_to_escalate(now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("workflow", "assigned_to")
        .order_by("escalate_at")[:BATCH]
    ):
        workflow = step.workflow
        step.escalated_at = now
        step.save(update_fields=["escalated_at"])
        notify(
            recipients=role_members(workflow.escalation_role),
            verb=NotificationVerb.ESCALATED,
            workflow=workflow,
            step=step,
            message=f"{workflow.name}: step '{step.name}' is overdue since {step.overdue_at:%Y-%m-%d %H:%M} UTC "
            f"and has been escalated to {workflow.escalation_role}.",
        )
        record_event(
            action="step_escalated",
            instance=workflow,
            impact_level="medium",
            message=f"Step {step.order} ({step.name}) escalated to {workflow.escalation_role}.",
            changes={"step": [None, step.order], "escalated_to": [None, workflow.escalation_role]},
        )
        escalated += 1
    return {"overdue": overdue, "escalated": escalated}
