"""Deleting reports and templates from the admin obeys the same guards as the API (the services)."""

import pytest

from common.roles import COMPLIANCE_MANAGER
from reports.models import Report, ReportTemplate
from reports.storage import resolve, write_file

from .factories import ReportFactory, ReportTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = UserFactory(username="reports-admin", is_staff=True, roles=[COMPLIANCE_MANAGER])
    client.force_login(user)
    return client


def completed_report():
    report = ReportFactory(status="completed")
    report.file_path, _ = write_file(report_id=report.pk, task_id="t1", extension="pdf", data=b"%PDF-1.7 test")
    report.save()
    return report


@pytest.mark.parametrize("door", ["api", "admin"])
def test_deleting_a_report_removes_its_file_once_the_delete_commits(
    door, manager, client_as, django_capture_on_commit_callbacks
):
    report = completed_report()
    stored = resolve(report.file_path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        if door == "api":
            assert client_as(COMPLIANCE_MANAGER).delete(f"/api/v1/reports/{report.pk}/").status_code == 204
        else:
            response = manager.post(f"/admin/reports/report/{report.pk}/delete/", {"post": "yes"})
            assert response.status_code == 302
    assert not Report.objects.filter(pk=report.pk).exists()
    assert not stored.exists()


def test_a_report_being_generated_cannot_be_deleted_from_the_admin(manager):
    report = ReportFactory(status="generating")
    page = manager.get(f"/admin/reports/report/{report.pk}/delete/").content.decode()
    assert "Cancel the generation before deleting the report." in page
    manager.post(f"/admin/reports/report/{report.pk}/delete/", {"post": "yes"})
    assert Report.objects.filter(pk=report.pk).exists()


def test_a_builtin_template_cannot_be_deleted_from_the_admin(manager):
    template = ReportTemplateFactory(is_builtin=True)
    page = manager.get(f"/admin/reports/reporttemplate/{template.pk}/delete/").content.decode()
    assert "Built-in templates cannot be deleted" in page
    manager.post(f"/admin/reports/reporttemplate/{template.pk}/delete/", {"post": "yes"})
    assert ReportTemplate.objects.filter(pk=template.pk).exists()


def test_bulk_delete_from_the_changelist_skips_nothing_silently(manager):
    """The changelist's delete action shows the refusal too, and deletes nothing of the batch."""
    idle, busy = ReportFactory(status="draft"), ReportFactory(status="generating")
    page = manager.post(
        "/admin/reports/report/", {"action": "delete_selected", "_selected_action": [idle.pk, busy.pk]}
    ).content.decode()
    assert "Cancel the generation before deleting the report." in page
    assert Report.objects.filter(pk__in=[idle.pk, busy.pk]).count() == 2
