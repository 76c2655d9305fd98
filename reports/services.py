"""Report operations: templates, reports and schedules created, changed and deleted, generation
requested and cancelled, downloads. Keyword-only and atomic.

The API, the admin and the schedule dispatcher all call these (common/writes.py).
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record_event
from common.exceptions import ConflictError, InvalidTransition
from common.queueing import enqueue_on_commit
from common.writes import ModelWrites, create_row, update_row

from . import content
from .choices import CONTENT_TYPES, PENDING_STATUSES, AccessLevel, ReportStatus
from .generation import sections_for
from .models import Report, ReportTemplate
from .parameters import declared_parameters, validate_values
from .storage import delete_file, resolve

DOWNLOAD_IMPACT = {
    AccessLevel.PUBLIC: "low",
    AccessLevel.INTERNAL: "low",
    AccessLevel.CONFIDENTIAL: "medium",
    AccessLevel.RESTRICTED: "high",
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
def create_report(
    *,
    created_by,
    name,
    report_type,
    template=None,
    framework=None,
    file_format=None,
    access_level=AccessLevel.INTERNAL,
    description="",
    tags=(),
    parameters=None,
    rules=(),
    data_sources=(),
    shared_with=(),
    schedule=None,
):
    """Create a draft report (scope, parameters and who may read its content validated)."""
    report = Report(
        name=name,
        report_type=report_type,
        template=template,
        framework=framework if framework is not None else getattr(template, "framework", None),
        file_format=file_format or getattr(template, "default_format", None) or "pdf",
        access_level=access_level,
        description=description,
        tags=list(tags),
        parameters=resolve_parameters(template=template, values=parameters),
        created_by=created_by,
        schedule=schedule,
    )
    _check_content_access(report, shared_with=_users(shared_with))
    report.save()
    report.rules.set(rules)
    report.data_sources.set(data_sources)
    report.shared_with.set(shared_with)
    return report


def _queue_generation(report, *, user, status):
    """Give the locked `report` a fresh generation id and publish its task after commit."""
    report.transition_to(status)
    report.task_id = uuid.uuid4().hex
    report.generated_by = user if user is not None and user.is_authenticated else report.generated_by
    report.error_message = ""
    report.progress = {"section": 0, "total": len(sections_for(report)), "stage": "queued", "title": ""}
    report.save()
    enqueue_on_commit("reports.generate_report", args=[report.pk, report.task_id], task_id=report.task_id)
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
    record_event(
        action="report_generation_requested",
        instance=report,
        changes={"task_id": [None, task_id], "file_format": [None, report.file_format]},
    )
    return task_id


@transaction.atomic
def cancel_report(*, report, user):
    """Cancel a queued or running generation; the worker notices at its next step."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status not in PENDING_STATUSES:
        raise InvalidTransition(f"Only a queued or generating report can be cancelled (this one is {report.status}).")
    report.transition_to(ReportStatus.CANCELLED)
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
        action="report_downloaded",
        instance=report,
        impact_level=DOWNLOAD_IMPACT[report.access_level],
        message=f"{report.file_format} {report.file_size} bytes sha256={report.file_hash}",
        changes={"access_level": [None, report.access_level], "file_hash": [None, report.file_hash]},
    )
    safe_name = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.name)[:80].strip("-") or "report"
    return handle, f"{safe_name}-{report.pk}.{report.file_format}", CONTENT_TYPES[report.file_format]


# --- writes through every door (API, admin) ------------------------------------------------
SCOPE_FIELDS = ("framework", "template", "rules", "data_sources", "parameters", "file_format")


def _create_report(*, data, actor=None):
    return create_report(created_by=actor, **data)


@transaction.atomic
def update_report(*, report, changes, actor=None):
    """Change a report's fields; its scope is fixed while it is queued or generating."""
    if report.status in PENDING_STATUSES and set(SCOPE_FIELDS) & set(changes):
        raise ConflictError("Cannot change the scope of a report being generated.")
    if "parameters" in changes or "template" in changes:
        changes = {
            **changes,
            "parameters": resolve_parameters(
                template=changes.get("template", report.template), values=changes.get("parameters", report.parameters)
            ),
        }
    return update_row(report, changes, check=_check_report_changes)


def _users(ids_or_users):
    ids = [getattr(item, "pk", item) for item in ids_or_users]
    return list(get_user_model().objects.filter(pk__in=ids)) if ids else []


def _check_content_access(report, *, shared_with):
    """Refuse an access level or shares the report's content does not allow (reports/content.py);
    remember whether it holds audit log entries, for Report.objects.visible_to."""
    requirement = content.requirement_of(sections_for(report))
    content.check_access(requirement=requirement, access_level=report.access_level, shared_with=shared_with)
    report.reads_audit_log = requirement.reads_audit_log


def _check_report_changes(report, changes):
    shared = changes["shared_with"] if "shared_with" in changes else report.shared_with.all()
    _check_content_access(report, shared_with=_users(shared))


def report_deletion_refusal(report):
    if report.status in PENDING_STATUSES:
        return "Cancel the generation before deleting the report."
    return None


@transaction.atomic
def delete_report(*, report, actor=None):
    """Delete a report and, once the deletion commits, its file."""
    refusal = report_deletion_refusal(report)
    if refusal:
        raise ConflictError(refusal)
    path = report.file_path
    report.delete()
    if path:
        transaction.on_commit(lambda: delete_file(path))


@transaction.atomic
def create_template(*, data, actor=None):
    return create_row(ReportTemplate, data)


@transaction.atomic
def update_template(*, template, changes, actor=None):
    template.version += 1  # a rendered report names the template version it used
    return update_row(template, changes)


def template_deletion_refusal(template):
    if template.is_builtin:
        return "Built-in templates cannot be deleted; copy one to customise it."
    if template.schedules.exists():
        return "The template is used by report schedules; delete or repoint them first."
    return None


@transaction.atomic
def delete_template(*, template, actor=None):
    refusal = template_deletion_refusal(template)
    if refusal:
        raise ConflictError(refusal)
    template.delete()


REPORT_WRITES = ModelWrites(
    "report", _create_report, update_report, delete_report, refuse_delete=report_deletion_refusal
)
TEMPLATE_WRITES = ModelWrites(
    "template", create_template, update_template, delete_template, refuse_delete=template_deletion_refusal
)
