"""E-mailing a scheduled report's recipients: a link, or the file attached."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record_event
from common.queueing import enqueue_on_commit

from . import recipients
from .choices import CONTENT_TYPES, ReportStatus
from .models import Report
from .storage import resolve

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def queue_distribution(report):
    enqueue_on_commit("reports.distribute_report", args=[report.pk])


def site_url():
    return getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")


@transaction.atomic
def distribute_report(*, report_id):
    """Send the completed report to its schedule's recipients once; returns how many got it."""
    report = Report.objects.select_for_update(of=("self",)).select_related("schedule").filter(pk=report_id).first()
    if report is None or report.status != ReportStatus.COMPLETED or report.distributed_at or not report.schedule:
        return 0
    addresses = list(report.schedule.recipients or [])
    # Checked again at every send: someone who lost access since the schedule was saved gets nothing.
    withheld = recipients.refusals(addresses=addresses, access_level=report.access_level, report=report)
    allowed = [address for address in addresses if address not in withheld]
    if withheld:
        record_event(
            action="report_distribution_withheld",
            instance=report,
            changes={"withheld": [None, sorted(withheld)]},
            message=f"Not sent to {len(withheld)} address(es) that may not read this report.",
        )
    if not allowed:
        return 0
    attach = (
        report.schedule.attach_file
        and recipients.may_attach(report.access_level)
        and (report.file_size or 0) <= MAX_ATTACHMENT_BYTES
    )
    context = {"report": report, "link": f"{site_url()}{report.download_url}", "attached": attach}
    message = EmailMessage(
        subject=f"[Compliance] {report.name}",
        body=render_to_string("reports/email/report_ready.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=allowed,
    )
    if attach:
        message.attach(
            f"report-{report.pk}.{report.file_format}",
            resolve(report.file_path).read_bytes(),
            CONTENT_TYPES[report.file_format].split(";")[0],
        )
    message.send()
    report.distributed_at = timezone.now()
    report.save(update_fields=["distributed_at", "updated_at"])
    return len(allowed)
