"""audit_trail and workflow_status sections."""
from .. import selectors
from ..choices import SectionKind
from .base import SectionResult, register, row_limit


@register(SectionKind.AUDIT_TRAIL)
def audit_trail(scope, params):
    entries, by_impact = selectors.audit_entries(scope, limit=row_limit(params))
    total = sum(by_impact.values())
    return SectionResult(
        intro=f"Audit log entries from {scope.start:%d %b %Y} to {scope.end:%d %b %Y}, newest first.",
        figures=[("Entries", total),
                 *[(f"{level.title()} impact", by_impact.get(level, 0)) for level in ("critical", "high")]],
        columns=[("timestamp", "When"), ("actor", "Actor"), ("action", "Action"), ("object", "Object"),
                 ("impact", "Impact"), ("source", "Source")],
        rows=[{"timestamp": e.timestamp.strftime("%Y-%m-%d %H:%M:%S"), "actor": e.actor_username or "system",
               "action": e.action, "object": e.object_repr, "impact": e.impact_level, "source": e.source}
              for e in entries],
        total_rows=total, empty_message="No audit entries in this period.",
    )


@register(SectionKind.WORKFLOW_STATUS)
def workflow_status(scope, params):
    summary = selectors.workflow_summary(scope, limit=row_limit(params))
    if summary is None:
        return SectionResult(intro="Workflow tracking is not installed.", empty_message="No workflows.")
    rows = [{"workflow": w.name, "type": w.workflow_type, "status": w.status, "priority": w.priority,
             "assignee": w.assigned_to.get_username() if w.assigned_to else "",
             "progress": round(w.progress_percentage or 0), "due": w.due_at.strftime("%Y-%m-%d") if w.due_at else ""}
            for w in summary["rows"]]
    return SectionResult(
        intro="Remediation and review workflows in scope.",
        figures=[("Workflows", summary["total"]), ("Overdue", summary["overdue"]),
                 *[(status.replace("_", " ").capitalize(), n) for status, n in sorted(summary["by_status"].items())]],
        columns=[("workflow", "Workflow"), ("type", "Type"), ("status", "Status"), ("priority", "Priority"),
                 ("assignee", "Assignee"), ("progress", "Progress %"), ("due", "Due")],
        rows=rows, total_rows=summary["total"], empty_message="No workflows in scope.",
    )
