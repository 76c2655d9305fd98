"""Schedules with an explicit clock: due schedules become one report each, then move on."""

import datetime

import pytest
from django.core import mail

from reports import distribution, generation, scheduling
from reports.models import Report

from .factories import ReportScheduleFactory, ReportTemplateFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def make_schedule(**kwargs):
    schedule = ReportScheduleFactory.build(template=ReportTemplateFactory(), **kwargs)
    return scheduling.save_schedule(schedule=schedule, now=at(2026, 1, 1, 0, 0))


def test_next_run_follows_cron_and_time_zone():
    assert make_schedule(cron="0 6 * * *").next_run_at == at(2026, 1, 1, 6, 0)
    assert make_schedule(cron="0 6 * * *", timezone="America/New_York").next_run_at == at(2026, 1, 1, 11, 0)
    assert make_schedule(cron="0 6 * * *", is_active=False).next_run_at is None


def test_dispatch_turns_a_due_schedule_into_one_queued_report(django_capture_on_commit_callbacks):
    schedule = make_schedule(
        cron="0 6 * * *", access_level="confidential", file_format="csv", parameters={"period_days": 7}
    )
    assert scheduling.dispatch_due_schedules(now=at(2026, 1, 1, 5, 59)) == []
    with django_capture_on_commit_callbacks() as callbacks:
        created = scheduling.dispatch_due_schedules(now=at(2026, 1, 1, 6, 0, 30))
    assert len(created) == 1 and len(callbacks) == 1
    report = Report.objects.get(pk=created[0])
    assert (report.status, report.schedule, report.template) == ("scheduled", schedule, schedule.template)
    assert (report.access_level, report.file_format, report.parameters["period_days"]) == ("confidential", "csv", 7)
    assert report.task_id
    schedule.refresh_from_db()
    assert schedule.last_run_at == at(2026, 1, 1, 6, 0, 30) and schedule.next_run_at == at(2026, 1, 2, 6, 0)
    assert scheduling.dispatch_due_schedules(now=at(2026, 1, 1, 6, 1)) == []


def test_missed_runs_after_downtime_produce_one_report():
    schedule = make_schedule(cron="*/15 * * * *")
    created = scheduling.dispatch_due_schedules(now=at(2026, 1, 3, 9, 7))  # ~200 slots missed
    assert len(created) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == at(2026, 1, 3, 9, 15)


def test_inactive_schedules_are_not_dispatched():
    schedule = make_schedule(cron="0 6 * * *")
    schedule.is_active = False
    schedule.save()
    assert scheduling.dispatch_due_schedules(now=at(2026, 2, 1)) == []


def test_the_worker_picks_up_a_scheduled_report_and_recipients_get_a_link(compliance_data):
    schedule = make_schedule(cron="0 6 * * *", recipients=["ciso@example.com", "board@example.com"], file_format="pdf")
    [report_id] = scheduling.dispatch_due_schedules(now=at(2026, 1, 1, 6, 0))
    report = Report.objects.get(pk=report_id)
    assert generation.generate_report(report_id=report_id, task_id=report.task_id) == "completed"
    assert distribution.distribute_report(report_id=report_id) == 2
    assert distribution.distribute_report(report_id=report_id) == 0  # once only
    [message] = mail.outbox
    assert message.to == ["ciso@example.com", "board@example.com"] and schedule.name in message.subject
    assert f"/api/v1/reports/{report_id}/download/" in message.body and not message.attachments


def test_recipients_get_the_file_attached_when_the_schedule_asks(compliance_data, report_storage):
    make_schedule(cron="0 6 * * *", recipients=["ciso@example.com"], file_format="csv", attach_file=True)
    [report_id] = scheduling.dispatch_due_schedules(now=at(2026, 1, 1, 6, 0))
    report = Report.objects.get(pk=report_id)
    generation.generate_report(report_id=report_id, task_id=report.task_id)
    report.refresh_from_db()
    distribution.distribute_report(report_id=report_id)
    [(name, content, mimetype)] = mail.outbox[0].attachments
    assert name.endswith(".csv") and mimetype == "text/csv"
    stored = (report_storage / report.file_path).read_bytes()
    assert (content.encode() if isinstance(content, str) else content) == stored


def test_beat_schedule_runs_the_dispatcher_every_minute():
    from compliance_site.celery import app

    entry = app.conf.beat_schedule["reports-dispatch-due-schedules"]
    assert entry["task"] == "reports.dispatch_due_schedules" and entry["schedule"] == 60.0
    assert "reports.dispatch_due_schedules" in app.tasks
