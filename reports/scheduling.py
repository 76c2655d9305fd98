"""Report schedules: cron validation, next run times, and turning due schedules into reports."""

import datetime
import zoneinfo

from croniter import croniter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.writes import ModelWrites

from . import content, recipients
from .choices import ReportStatus
from .models import ReportSchedule
from .parameters import declared_parameters, validate_values
from .services import create_report, request_generation


def validate_cron(expression):
    if not isinstance(expression, str) or len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValidationError({"cron": [f"{str(expression)[:120]!r} is not a valid five-field cron expression."]})
    return expression


def validate_timezone(name):
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError({"timezone": [f"{str(name)[:64]!r} is not a known IANA time zone."]}) from None
    return name


def next_run(*, cron, tz_name, after):
    """The first cron time strictly after `after`, evaluated in `tz_name`, returned in UTC."""
    local = after.astimezone(zoneinfo.ZoneInfo(tz_name))
    upcoming = croniter(cron, local).get_next(datetime.datetime)
    return upcoming.astimezone(datetime.UTC)


def validate_schedule_parameters(*, template, values):
    try:
        return validate_values(values or {}, declared_parameters(template))
    except ValidationError as exc:
        raise ValidationError({"parameters": exc.messages}) from None


@transaction.atomic
def save_schedule(*, schedule, now=None):
    """Validate and save `schedule`, recomputing next_run_at from its cron and time zone."""
    validate_cron(schedule.cron)
    validate_timezone(schedule.timezone)
    schedule.parameters = validate_schedule_parameters(template=schedule.template, values=schedule.parameters)
    requirement = content.requirement_of(schedule.template.sections)
    content.check_access(
        requirement=requirement, access_level=schedule.access_level, what="A schedule of this template"
    )
    _check_recipients(schedule, reads_audit_log=requirement.reads_audit_log)
    schedule.next_run_at = (
        next_run(cron=schedule.cron, tz_name=schedule.timezone, after=now or timezone.now())
        if schedule.is_active
        else None
    )
    schedule.save()
    return schedule


def _check_recipients(schedule, *, reads_audit_log):
    """The schedule's recipients and attachment obey reports/recipients.py (400s naming them)."""
    refused = recipients.refusals(
        addresses=schedule.recipients or [],
        access_level=schedule.access_level,
        reads_audit_log=reads_audit_log,
        creator=schedule.created_by,
    )
    if refused:
        raise ValidationError({"recipients": [f"{address}: {why}." for address, why in refused.items()]})
    if schedule.attach_file and not recipients.may_attach(schedule.access_level):
        raise ValidationError(
            {
                "attach_file": [
                    f"{schedule.access_level.capitalize()} reports are sent as a link to the permission-checked "
                    "download, never attached."
                ]
            }
        )


@transaction.atomic
def create_schedule(*, data, actor=None):
    return save_schedule(schedule=ReportSchedule(created_by=actor, **data))


@transaction.atomic
def update_schedule(*, schedule, changes, actor=None):
    for name, value in changes.items():
        setattr(schedule, name, value)
    return save_schedule(schedule=schedule)


@transaction.atomic
def delete_schedule(*, schedule, actor=None):
    schedule.delete()  # its reports keep their rows; their schedule link is cleared


SCHEDULE_WRITES = ModelWrites("schedule", create_schedule, update_schedule, delete_schedule)


def dispatch_due_schedules(*, now=None):
    """Turn every due schedule into one queued Report; returns the new report ids.

    A schedule that missed several slots (beat or workers were down) produces one
    report, and its next run is the first slot after now — never a burst of catch-up runs.
    Rows are locked with SKIP LOCKED so two beat processes cannot dispatch a schedule twice.
    """
    now = now or timezone.now()
    created = []
    with transaction.atomic():
        due = (
            ReportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("template__framework", "created_by")
            .filter(is_active=True, next_run_at__lte=now)
            .order_by("next_run_at")
        )
        for schedule in due:
            local_now = now.astimezone(zoneinfo.ZoneInfo(schedule.timezone))
            report = create_report(
                created_by=schedule.created_by,
                name=f"{schedule.name} — {local_now:%Y-%m-%d %H:%M}",
                report_type=schedule.template.report_type,
                template=schedule.template,
                file_format=schedule.file_format,
                access_level=schedule.access_level,
                parameters=schedule.parameters,
                schedule=schedule,
                description=f"Produced by the schedule {schedule.name!r} ({schedule.cron}, {schedule.timezone}).",
            )
            request_generation(report=report, user=None, status=ReportStatus.SCHEDULED)
            schedule.last_run_at = now
            schedule.next_run_at = next_run(cron=schedule.cron, tz_name=schedule.timezone, after=now)
            schedule.save(update_fields=["last_run_at", "next_run_at", "updated_at"])
            created.append(report.pk)
    return created
