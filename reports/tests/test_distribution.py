"""Distribution that cannot leak: who may receive a report by e-mail, and how."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from reports import distribution, generation, scheduling
from reports.models import Report

from .factories import ReportScheduleFactory, ReportTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def people():
    return {
        "manager": UserFactory(username="m", email="manager@corp.test", roles=[COMPLIANCE_MANAGER]),
        "auditor": UserFactory(username="a", email="auditor@corp.test", roles=[AUDITOR]),
        "viewer": UserFactory(username="v", email="viewer@corp.test", roles=[VIEWER]),
    }


def save(**fields):
    schedule = ReportScheduleFactory.build(template=ReportTemplateFactory(), **fields)
    return scheduling.save_schedule(schedule=schedule, now=NOON)


def refused(exc_info, field="recipients"):
    return " ".join(exc_info.value.message_dict[field])


def test_a_public_report_may_go_anywhere():
    assert save(access_level="public", recipients=["anyone@elsewhere.example"]).pk


def test_an_internal_report_goes_to_users_or_to_the_allowed_domains(people, settings):
    settings.REPORT_DISTRIBUTION_DOMAINS = ["partner.test"]
    assert save(access_level="internal", recipients=["viewer@corp.test", "ops@partner.test"]).pk
    with pytest.raises(ValidationError) as exc:
        save(access_level="internal", recipients=["viewer@corp.test", "leak@elsewhere.example"])
    assert "leak@elsewhere.example" in refused(exc) and "viewer@corp.test" not in refused(exc)


def test_a_confidential_report_goes_only_to_its_readers_and_never_attached(people):
    assert save(access_level="confidential", recipients=["manager@corp.test", "AUDITOR@corp.test"]).pk
    with pytest.raises(ValidationError) as exc:
        save(access_level="confidential", recipients=["manager@corp.test", "viewer@corp.test", "x@corp.test"])
    assert "viewer@corp.test" in refused(exc) and "x@corp.test" in refused(exc)
    with pytest.raises(ValidationError) as exc:
        save(access_level="confidential", recipients=["manager@corp.test"], attach_file=True)
    assert "link" in refused(exc, "attach_file")


def test_a_restricted_schedule_reaches_its_creator_only(people):
    assert save(access_level="restricted", recipients=["manager@corp.test"], created_by=people["manager"]).pk
    with pytest.raises(ValidationError) as exc:
        save(access_level="restricted", recipients=["auditor@corp.test"], created_by=people["manager"])
    assert "auditor@corp.test" in refused(exc)


def test_an_api_schedule_with_a_refused_address_is_a_400_naming_it(client_as, people):
    template = ReportTemplateFactory()
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/report-schedules/",
        {
            "template": template.pk,
            "name": "Leaky",
            "cron": "0 6 * * 1",
            "access_level": "confidential",
            "recipients": ["viewer@corp.test"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "viewer@corp.test" in response.json()["recipients"][0]


def test_someone_who_lost_access_stops_receiving_at_the_next_run(people, compliance_data):
    save(access_level="confidential", recipients=["manager@corp.test", "auditor@corp.test"], cron="0 6 * * *")
    people["auditor"].groups.set([Group.objects.get(name=VIEWER)])  # demoted after the schedule was saved
    [report_id] = scheduling.dispatch_due_schedules(now=datetime.datetime(2026, 1, 2, 6, 0, tzinfo=datetime.UTC))
    report = Report.objects.get(pk=report_id)
    assert generation.generate_report(report_id=report_id, task_id=report.task_id) == "completed"
    assert distribution.distribute_report(report_id=report_id) == 1
    [message] = mail.outbox
    assert message.to == ["manager@corp.test"] and not message.attachments
    assert f"/api/v1/reports/{report_id}/download/" in message.body
    withheld = AuditLog.objects.get(action="report_distribution_withheld", object_id=str(report_id))
    assert withheld.changes == {"withheld": [None, ["auditor@corp.test"]]}
