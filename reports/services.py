"""Report operations: create, request generation, cancel, download. Keyword-only and atomic.

The API, the admin actions and the schedule dispatcher all call these.
"""
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record_event
from common.queueing import enqueue_on_commit

from .choices import CONTENT_TYPES, PENDING_STATUSES, AccessLevel, ReportStatus
from .generation import sections_for
from .models import InvalidTransition, Report
from .parameters import declared_parameters, validate_values
from .storage import resolve

DOWNLOAD_IMPACT = {
    AccessLevel.PUBLIC: "low", AccessLevel.INTERNAL: "low",
    AccessLevel.CONFIDENTIAL: "medium", AccessLevel.RESTRICTED: "high",
}


def resolve_parameters(*, template, values):
    """Check `values` against the template's declared parameters; defaults filled in.

    Raises ValidationError({"parameters": [...]}) naming each offending parameter.
    """
    try:
        return validate_values(values or {}, declared_parameters(template))
    except ValidationError as exc:
        raise ValidationError({"parameters": exc.messages}) from None


@transaction.atomic
def create_report(*, created_by, name, report_type, template=None, framework=None, file_format=None,
                  access_level=AccessLevel.INTERNAL, description="", tags=(), parameters=None,
                  rules=(), data_sources=(), shared_with=(), schedule=None):
    """Create a draft report (scope and parameters validated); returns it."""
    report = Report.objects.create(
        name=name, report_type=report_type, template=template,
        framework=framework if framework is not None else getattr(template, "framework", None),
        file_format=file_format or getattr(template, "default_format", None) or "pdf",
        access_level=access_level, description=description, tags=list(tags),
        parameters=resolve_parameters(template=template, values=parameters),
        created_by=created_by, schedule=schedule,
    )
    report.rules.set(rules)
    report.data_sources.set(data_sources)
    report.shared_with.set(shared_with)
    return report


def _queue_generation(report, *, user, status):
    """Give the locked `report` a fresh generation id and publish its task after commit."""
    from .tasks import generate_report_task

    report.set_status(status)
    report.task_id = uuid.uuid4().hex
    report.generated_by = user if user is not None and user.is_authenticated else report.generated_by
    report.error_message = ""
    report.progress = {"section": 0, "total": len(sections_for(report)), "stage": "queued", "title": ""}
    report.save()
    enqueue_on_commit(generate_report_task, args=[report.pk, report.task_id], task_id=report.task_id)
    return report.task_id


@transaction.atomic
def request_generation(*, report, user, status=ReportStatus.GENERATING):
    """Queue generation of `report` on the reports queue; returns the task id.

    Raises InvalidTransition when the report is already queued or generating.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status in PENDING_STATUSES:
        raise InvalidTransition("The report is already queued or generating; cancel it first.")
    task_id = _queue_generation(report, user=user, status=status)
    record_event(action="report_generation_requested", instance=report,
                 changes={"task_id": [None, task_id], "file_format": [None, report.file_format]})
    return task_id


@transaction.atomic
def cancel_report(*, report, user):
    """Cancel a queued or running generation; the worker notices at its next step."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status not in PENDING_STATUSES:
        raise InvalidTransition(f"Only a queued or generating report can be cancelled (this one is {report.status}).")
    report.set_status(ReportStatus.CANCELLED)
    report.progress = {**(report.progress or {}), "stage": "cancelled"}
    report.save()
    record_event(action="report_cancelled", instance=report, changes={"status": [None, report.status]})
    return report


@transaction.atomic
def open_download(*, report):
    """(file handle, download name, content type) of a completed report; audited.

    The caller has already checked visibility (Report.objects.visible_to). Raises
    Report.DoesNotExist when there is no file to serve.
    """
    if report.status != ReportStatus.COMPLETED or not report.file_path:
        raise Report.DoesNotExist("The report has no file yet.")
    try:
        handle = open(resolve(report.file_path), "rb")  # noqa: SIM115 — streamed and closed by the response
    except (OSError, ValueError):
        raise Report.DoesNotExist("The report file is missing from storage.") from None
    record_event(
        action="report_downloaded", instance=report, impact_level=DOWNLOAD_IMPACT[report.access_level],
        message=f"{report.file_format} {report.file_size} bytes sha256={report.file_hash}",
        changes={"access_level": [None, report.access_level], "file_hash": [None, report.file_hash]},
    )
    safe_name = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.name)[:80].strip("-") or "report"
    return handle, f"{safe_name}-{report.pk}.{report.file_format}", CONTENT_TYPES[report.file_format]
