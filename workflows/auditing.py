"""What the workflows app asks the audit trail to record (connected in WorkflowsConfig.ready)."""

from audit.impact import LOW, MEDIUM, register_actions
from audit.registry import register_app

from .models import WorkflowTransition


def register():
    # Transitions are history rows written alongside an audited status change: a log of a log.
    register_app("workflows", exclude=(WorkflowTransition,))
    register_actions(
        {
            "workflow_started": LOW,
            "step_approved": MEDIUM,
            "step_rejected": MEDIUM,
            "step_escalated": MEDIUM,
            "notifications_created": LOW,
        }
    )
