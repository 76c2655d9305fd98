"""Writes to compliance content and findings. Keyword-only and atomic; every door (API,
admin, commands, tasks) calls these.

Evaluations enter through compliance.evaluations.record_evaluations, which also keeps the
derived state and the findings up to date.
"""
from django.db import transaction
from django.utils import timezone

from .choices import FindingStatus


@transaction.atomic
def update_finding(*, finding, changes):
    """Apply a person's triage (status, assignee, due date, notes) to a finding."""
    new_status = changes.get("status", finding.status)
    if new_status != finding.status:
        if new_status == FindingStatus.RESOLVED:
            finding.resolved_at = timezone.now()
        elif finding.status == FindingStatus.RESOLVED:
            finding.resolved_at = None
            finding.opened_at = timezone.now()
    for name, value in changes.items():
        setattr(finding, name, value)
    finding.save()
    return finding
