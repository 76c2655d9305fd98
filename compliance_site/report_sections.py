"""Report sections that need another app: registered by the site, which may import both.

Imported from SiteConfig.ready(); replaces the reports app's "not installed" stand-in.
"""

from common.access import at_most
from reports.choices import AccessLevel, SectionKind
from reports.sections.base import SectionResult, register, row_limit
from workflows import selectors as workflows


@register(SectionKind.WORKFLOW_STATUS, min_access_level=AccessLevel.PUBLIC)
def workflow_status(scope, params):
    rules = scope.rules() if scope.framework is not None or scope.rule_ids is not None else None
    # Only workflows every reader of the report may read: those at or below its level, and
    # never restricted ones (they are readable by the people they name, not by a level).
    levels = at_most(scope.access_level if scope.access_level != AccessLevel.RESTRICTED else AccessLevel.CONFIDENTIAL)
    summary = workflows.summary_for_rules(rules=rules, limit=row_limit(params), access_levels=levels)
    rows = [
        {
            "workflow": w.name,
            "type": w.workflow_type,
            "status": w.status,
            "priority": w.priority,
            "assignee": w.assigned_to.get_username() if w.assigned_to else "",
            "progress": round(w.progress_percentage or 0),
            "due": w.due_at.strftime("%Y-%m-%d") if w.due_at else "",
        }
        for w in summary["rows"]
    ]
    return SectionResult(
        intro="Remediation and review workflows in scope.",
        figures=[
            ("Workflows", summary["total"]),
            ("Overdue", summary["overdue"]),
            *[(status.replace("_", " ").capitalize(), n) for status, n in sorted(summary["by_status"].items())],
        ],
        columns=[
            ("workflow", "Workflow"),
            ("type", "Type"),
            ("status", "Status"),
            ("priority", "Priority"),
            ("assignee", "Assignee"),
            ("progress", "Progress %"),
            ("due", "Due"),
        ],
        rows=rows,
        total_rows=summary["total"],
        empty_message="No workflows in scope.",
    )
