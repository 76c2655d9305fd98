"""audit_trail and workflow_status sections (the latter filled in by the site, which knows workflows)."""

from .. import selectors
from ..choices import AccessLevel, SectionKind
from .base import SectionResult, register, row_limit


@register(SectionKind.AUDIT_TRAIL, min_access_level=AccessLevel.CONFIDENTIAL, reads_audit_log=True)
def audit_trail(scope, params):
    entries, by_impact = selectors.audit_entries(scope, limit=row_limit(params))
    total = sum(by_impact.values())
    return SectionResult(
        intro=f"Audit log entries from {scope.start:%d %b %Y} to {scope.end:%d %b %Y}, newest first.",
        figures=[
            ("Entries", total),
            *[(f"{level.title()} impact", by_impact.get(level, 0)) for level in ("critical", "high")],
        ],
        columns=[
            ("timestamp", "When"),
            ("actor", "Actor"),
            ("action", "Action"),
            ("object", "Object"),
            ("impact", "Impact"),
            ("source", "Source"),
        ],
        rows=[
            {
                "timestamp": e.timestamp.strftime("%Y-%m-%d %H:%M:%S"),
                "actor": e.actor_username or "system",
                "action": e.action,
                "object": e.object_repr,
                "impact": e.impact_level,
                "source": e.source,
            }
            for e in entries
        ],
        total_rows=total,
        empty_message="No audit entries in this period.",
    )


@register(SectionKind.WORKFLOW_STATUS, min_access_level=AccessLevel.PUBLIC)
def workflow_status(scope, params):
    """Replaced by the site, which knows the workflows app (compliance_site/report_sections.py)."""
    return SectionResult(intro="Workflow tracking is not installed.", empty_message="No workflows.")
