"""Permission scoping for reports: common.access's read policy over Report."""

from common.access import AccessLevelQuerySet


class ReportQuerySet(AccessLevelQuerySet):
    """Report.objects.visible_to(user): the model names its owner, share field and permission."""
