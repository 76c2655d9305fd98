"""Read-side queries for workflows, shared by the API, the admin, the tasks and the site's
dashboard and report sections."""

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, Prefetch, Q

from common.roles import is_compliance_admin

from .choices import RUNNING_WORKFLOW_STATUSES, StepStatus, WorkflowStatus
from .models import Notification, Workflow, WorkflowStep


def user_may_act_on_step(user, step):
    """A member of the step's role, its assignee, or a compliance admin."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if step.assigned_to_id is not None and step.assigned_to_id == user.pk:
        return True
    if step.role and user.groups.filter(name=step.role).exists():
        return True
    team = step.workflow.assigned_team_id
    if team is not None and user.groups.filter(pk=team).exists():
        return True  # a workflow assigned to a team: its members may act on its steps
    return is_compliance_admin(user)


def assignee_problem(template, user):
    """Why `user` cannot own a workflow of `template` (None when they can).

    The owner must be active and in one of the template's step roles (or a compliance admin).
    """
    if user is None:
        return None
    if not user.is_active:
        return f"{user} is not an active user."
    roles = {step.get("role") for step in template.steps if step.get("role")}
    if not is_compliance_admin(user) and not user.groups.filter(name__in=roles).exists():
        return f"{user} is in none of this workflow's step roles ({', '.join(sorted(roles)) or 'none'})."
    return None


def workflows_for_api():
    return Workflow.objects.select_related(
        "template",
        "assigned_to",
        "assigned_team",
        "current_step",
        "rule",
        "finding",
        "created_by",
    ).prefetch_related(Prefetch("shared_with", queryset=get_user_model().objects.only("pk")))


def steps_of(workflow):
    return workflow.steps.select_related("assigned_to", "completed_by").order_by("order")


def notifications_for(user):
    """Only ever the user's own notifications."""
    return Notification.objects.filter(recipient=user).select_related("workflow", "step")


def steps_past_due(now):
    """In-progress steps of running workflows whose due time has passed and that are not yet marked."""
    return WorkflowStep.objects.filter(
        status=StepStatus.IN_PROGRESS,
        due_at__lte=now,
        overdue_at__isnull=True,
        workflow__status__in=RUNNING_WORKFLOW_STATUSES,
    )


def steps_to_escalate(now):
    """Overdue steps past their grace period that were never escalated."""
    return WorkflowStep.objects.filter(
        status=StepStatus.IN_PROGRESS,
        escalate_at__lte=now,
        overdue_at__isnull=False,
        escalated_at__isnull=True,
        workflow__status__in=RUNNING_WORKFLOW_STATUSES,
    )


def dashboard_summary(*, user):
    """Workflows in progress that `user` may read, by status, and how many are overdue."""
    visible = Workflow.objects.visible_to(user)
    by_status = dict(visible.in_progress().values_list("status").annotate(n=Count("id")).order_by())
    return {
        "available": True,
        "active": sum(by_status.values()),
        "overdue": visible.overdue().count(),
        "by_status": by_status,
    }


def cycle_times(*, since, user):
    """Workflows `user` may read completed since a time: count and mean hours from start to completion."""
    done = Workflow.objects.visible_to(user).filter(
        status=WorkflowStatus.COMPLETED, completed_at__gte=since, started_at__isnull=False
    )
    row = done.aggregate(n=Count("id"), avg=Avg(F("completed_at") - F("started_at")))
    hours = round(row["avg"].total_seconds() / 3600, 1) if row["avg"] is not None else None
    return {"available": True, "completed": row["n"], "avg_cycle_hours": hours}


def summary_for_rules(*, rules=None, limit, access_levels):
    """Workflows about `rules` (a queryset; None: every workflow) at one of `access_levels`,
    for a report section.

    {"rows": the first `limit` workflows, soonest due first; "by_status", "overdue", "total"}.
    """
    workflows = Workflow.objects.filter(access_level__in=access_levels)
    if rules is not None:
        workflows = workflows.filter(Q(rule__in=rules) | Q(finding__rule__in=rules))
    by_status = dict(workflows.values_list("status").annotate(n=Count("id")).order_by())
    rows = list(workflows.select_related("assigned_to").order_by(F("due_at").asc(nulls_last=True), "-id")[:limit])
    return {
        "rows": rows,
        "by_status": by_status,
        "overdue": workflows.overdue().count(),
        "total": sum(by_status.values()),
    }
