"""framework_coverage and framework_mapping sections."""

from .. import selectors
from ..choices import AccessLevel, SectionKind
from .base import SectionResult, register, row_limit


def _control_status(control):
    if not control["rule_total"]:
        return "no rules"
    if control["failing"]:
        return "failing"
    if control["passed"]:
        return "passing"
    return "not evaluated"


@register(SectionKind.FRAMEWORK_COVERAGE, min_access_level=AccessLevel.PUBLIC)
def framework_coverage(scope, params):
    controls, total = selectors.control_coverage(scope, limit=row_limit(params))
    rows = [
        {
            "framework": c["framework_code"],
            "control": c["ref_id"],
            "title": c["title"],
            "rules": c["rule_total"],
            "passed": c["passed"],
            "failing": c["failing"],
            "status": _control_status(c),
            "state": c["state"],
        }
        for c in controls
    ]
    covered = sum(1 for row in rows if row["rules"])
    return SectionResult(
        intro=f"{covered} of {len(rows)} listed controls have at least one active rule.",
        figures=[
            ("Controls", total),
            ("With rules", covered),
            ("Failing", sum(1 for row in rows if row["status"] == "failing")),
            # Stale: proof out of date (cadence or expired evidence), counted apart from failing.
            ("Stale", sum(1 for row in rows if row["state"] == "stale")),
        ],
        columns=[
            ("framework", "Framework"),
            ("control", "Control"),
            ("title", "Title"),
            ("rules", "Rules"),
            ("passed", "Passed"),
            ("failing", "Failing"),
            ("status", "Status"),
            ("state", "State"),
        ],
        rows=rows,
        total_rows=total,
        empty_message="No controls in scope.",
    )


@register(SectionKind.FRAMEWORK_MAPPING, min_access_level=AccessLevel.PUBLIC)
def framework_mapping(scope, params):
    mappings, total = selectors.control_mappings(scope, limit=row_limit(params))
    rows = [
        {
            "source_framework": m.source.framework.code,
            "source": m.source.ref_id,
            "relationship": m.get_relationship_display(),
            "target_framework": m.target.framework.code,
            "target": m.target.ref_id,
            "target_title": m.target.title,
        }
        for m in mappings
    ]
    return SectionResult(
        intro="Controls mapped across frameworks (NIST OLIR relationships).",
        figures=[("Mappings", total), ("Target frameworks", len({row["target_framework"] for row in rows}))],
        columns=[
            ("source_framework", "Framework"),
            ("source", "Control"),
            ("relationship", "Relationship"),
            ("target_framework", "Mapped framework"),
            ("target", "Mapped control"),
            ("target_title", "Title"),
        ],
        rows=rows,
        total_rows=total,
        empty_message="No control mappings in scope.",
    )
