"""Findings as OCSF Compliance Finding events (class 2003) and as webhook event names, for the audit trail's forwarding.

Registered with audit.ocsf in auditing.register(): the audit app knows no domain model.
"""

from audit import forwarding, ocsf

from .choices import FindingStatus
from .models import Finding

# finding status -> (OCSF event status_id, status, compliance status_id, compliance status)
_STATUS = {
    FindingStatus.OPEN: (1, "New", 3, "Fail"),
    FindingStatus.IN_PROGRESS: (2, "In Progress", 3, "Fail"),
    FindingStatus.RESOLVED: (4, "Resolved", 1, "Pass"),
    FindingStatus.RISK_ACCEPTED: (3, "Suppressed", 2, "Warning"),
    FindingStatus.FALSE_POSITIVE: (3, "Suppressed", 1, "Pass"),
}


def _new(changes, name):
    value = changes.get(name)
    return value[1] if isinstance(value, list) and len(value) == 2 else None


def finding_event(entry, base_attributes):
    """Create 1 (opened), Update 2, Close 3 (resolved, or the finding deleted)."""
    changes = entry["changes"] or {}
    status = _new(changes, "status")
    finding = Finding.objects.select_related("rule__framework").filter(pk=entry["object_id"] or None).first()
    if status is None and finding is not None:
        status = finding.status
    if entry["action"] == "create":
        activity = (1, "Create")
    elif entry["action"] == "delete" or status == FindingStatus.RESOLVED:
        activity = (3, "Close")
    else:
        activity = (2, "Update")
    event = base_attributes(entry, ocsf.COMPLIANCE_FINDING, *activity)
    event_status = _STATUS.get(status, (0, "Unknown", 0, "Unknown"))
    event["status_id"], event["status"] = event_status[0], event_status[1]
    standards = [finding.rule.framework.name] if finding is not None else ["unknown"]
    event["compliance"] = {"standards": standards, "status_id": event_status[2], "status": event_status[3]}
    if finding is not None:
        event["compliance"]["control"] = finding.rule.name
    info = {"uid": str(entry["object_id"]), "title": _new(changes, "title") or entry["object_repr"] or "finding"}
    if finding is not None:
        info["title"] = finding.title
        info["first_seen_time"] = int(finding.first_seen_at.timestamp() * 1000)
        info["last_seen_time"] = int(finding.last_seen_at.timestamp() * 1000)
    event["finding_info"] = info
    return event


def register():
    ocsf.register_mapper("compliance.finding", finding_event)
    forwarding.register_event_namer("compliance.finding", finding_events)


def finding_events(entry):
    """finding.opened / .resolved / .reopened, from a finding's audit entry."""
    status = (entry["changes"] or {}).get("status")
    if entry["action"] == "create":
        return ["finding.opened"]
    if entry["action"] != "update" or not isinstance(status, list) or len(status) != 2:
        return []
    old, new = status
    if new == FindingStatus.RESOLVED:
        return ["finding.resolved"]
    if old == FindingStatus.RESOLVED and new == FindingStatus.OPEN:
        return ["finding.reopened"]
    return []
