"""A completed report filed as evidence in one action (the API's POST /reports/{id}/file-as-evidence/).

The evidence takes the report's bytes (checked against the report's recorded hash), its
access level and its generation time; its controls are the ones given, or those of the
report's rules. The report stays as it is: the evidence is a copy with its own provenance.
"""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from compliance.evidence.services import add_evidence
from compliance.models import Control

from .choices import CONTENT_TYPES, ReportStatus
from .storage import resolve


@transaction.atomic
def file_report_as_evidence(*, report, controls=None, valid_for_days=None, actor=None):
    """The new Evidence; ValidationError when the report has no file or its file changed."""
    if report.status != ReportStatus.COMPLETED or not report.file_path:
        raise ValidationError({"detail": ["Only a completed report can be filed as evidence."]})
    if controls is None:
        controls = list(Control.objects.filter(rules__in=report.rules.all()).distinct())
    with open(resolve(report.file_path), "rb") as handle:
        evidence = add_evidence(
            data={
                "name": f"Report: {report.name}",
                "description": report.description,
                "controls": [control.pk for control in controls],
                "collected_at": report.generated_at or report.created_at,
                "source": f"report {report.pk} ({report.report_type}, {report.file_format}) sha256={report.file_hash}",
                "valid_for_days": valid_for_days,
                "access_level": report.access_level,
                "tags": ["report", report.report_type],
                "shared_with": list(report.shared_with.values_list("pk", flat=True)),
            },
            upload=File(handle, name=f"report-{report.pk}.{report.file_format}"),
            media_type=CONTENT_TYPES[report.file_format].split(";")[0],
            actor=actor,
        )
    if report.file_hash and evidence.sha256 != report.file_hash:
        raise ValidationError({"detail": ["The report file no longer matches its recorded hash; not filed."]})
    return evidence
