"""Permission scoping for reports: common.access's read policy over Report."""

from common.access import AccessLevelQuerySet

from .content import may_read_audit_log


class ReportQuerySet(AccessLevelQuerySet):
    def visible_to(self, user):
        """common.access's policy, and a report that holds audit log entries only for those
        who may read the audit log (reports/content.py)."""
        visible = super().visible_to(user)
        if user is not None and user.is_authenticated and not may_read_audit_log(user):
            visible = visible.exclude(reads_audit_log=True)
        return visible
