"""The access-level matrix: list, detail, download, generate and the admin, for every role."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditLog
from common.roles import AUDITOR, BUILTIN_ROLES, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from reports.models import Report
from reports.storage import write_file

from .factories import ReportFactory

pytestmark = pytest.mark.django_db

LEVELS = ("public", "internal", "confidential", "restricted")
# Who sees a report of each level (docs/api.md, docs/reports.md). "creator" and "shared" see every level.
VISIBLE = {
    COMPLIANCE_ADMIN: {"public", "internal", "confidential", "restricted"},
    COMPLIANCE_MANAGER: {"public", "internal", "confidential"},
    AUDITOR: {"public", "internal", "confidential"},
    VIEWER: {"public", "internal"},
    "no role": {"public"},
    "creator": set(LEVELS),
    "shared": set(LEVELS),
}


def completed_report(level, *, created_by=None, shared_with=()):
    report = ReportFactory(
        access_level=level, created_by=created_by, status="completed", file_format="csv", name=f"{level} report"
    )
    path, digest = write_file(report_id=report.pk, task_id="t1", extension="csv", data=b"section,value\r\n")
    Report.objects.filter(pk=report.pk).update(file_path=path, file_hash=digest, file_size=15)
    report.shared_with.set(shared_with)
    return report


@pytest.fixture
def matrix(role_user):
    creator, shared, nobody = UserFactory(username="creator"), UserFactory(username="shared"), UserFactory()
    users = {role: role_user(role) for role in BUILTIN_ROLES}
    users.update({"no role": nobody, "creator": creator, "shared": shared})
    reports = {level: completed_report(level, created_by=creator, shared_with=[shared]) for level in LEVELS}
    return users, reports


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", list(VISIBLE))
def test_list_detail_and_download_follow_the_access_levels(matrix, who):
    users, reports = matrix
    client = api(users[who])
    listed = {row["access_level"] for row in client.get("/api/v1/reports/?page_size=50").json()["results"]}
    assert listed == VISIBLE[who]
    for level, report in reports.items():
        expected = 200 if level in VISIBLE[who] else 404
        assert client.get(f"/api/v1/reports/{report.pk}/").status_code == expected, (who, level)
        download = client.get(f"/api/v1/reports/{report.pk}/download/")
        assert download.status_code == expected, (who, level)
        if expected == 200:
            assert b"".join(download.streaming_content) == b"section,value\r\n"
            assert download["Content-Disposition"].startswith("attachment;")


def test_every_download_is_audited_with_the_actor(matrix):
    users, reports = matrix
    before = AuditLog.objects.filter(action="report_downloaded").count()
    api(users[AUDITOR]).get(f"/api/v1/reports/{reports['confidential'].pk}/download/")
    api(users[VIEWER]).get(f"/api/v1/reports/{reports['confidential'].pk}/download/")  # refused: not audited as one
    entries = AuditLog.objects.filter(action="report_downloaded").order_by("-id")
    assert entries.count() == before + 1
    entry = entries.first()
    assert entry.object_id == str(reports["confidential"].pk) and entry.impact_level == "medium"
    assert reports["confidential"].file_hash in entry.message


def test_generate_on_an_invisible_report_is_404(matrix):
    users, reports = matrix
    response = api(users[COMPLIANCE_MANAGER]).post(f"/api/v1/reports/{reports['restricted'].pk}/generate/")
    assert response.status_code == 404
    assert Report.objects.get(pk=reports["restricted"].pk).status == "completed"


def test_viewer_may_not_generate(matrix):
    users, reports = matrix
    assert api(users[VIEWER]).post(f"/api/v1/reports/{reports['public'].pk}/generate/").status_code == 403


def test_anonymous_download_is_401(matrix):
    _, reports = matrix
    assert APIClient().get(f"/api/v1/reports/{reports['public'].pk}/download/").status_code == 401


def test_report_without_a_file_is_not_downloadable(matrix):
    users, _ = matrix
    draft = ReportFactory(access_level="public")
    assert api(users[COMPLIANCE_ADMIN]).get(f"/api/v1/reports/{draft.pk}/download/").status_code == 404


def staff_client(user):
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", [COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, AUDITOR])
def test_admin_pages_hide_invisible_reports(matrix, who):
    users, reports = matrix
    client = staff_client(users[who])
    changelist = client.get("/admin/reports/report/")
    assert changelist.status_code == 200
    for level, report in reports.items():
        visible = level in VISIBLE[who]
        assert (f"{level} report" in changelist.content.decode()) is visible
        for page in ("change", "delete", "history"):
            response = client.get(f"/admin/reports/report/{report.pk}/{page}/")
            if visible:  # visible: the page, or 403 where the role may not delete
                assert response.status_code in ((200, 403) if page == "delete" else (200,)), (who, level, page)
            else:
                assert response.status_code == 404, (who, level, page)
        download = client.get(f"/admin/reports/report/{report.pk}/download/")
        assert download.status_code == (200 if visible else 404), (who, level)


def test_admin_generate_now_action_queues_and_shows_progress(matrix, django_capture_on_commit_callbacks):
    users, _ = matrix
    client = staff_client(users[COMPLIANCE_MANAGER])
    draft = ReportFactory(access_level="internal", name="Admin draft")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/admin/reports/report/", {"action": "generate_now", "_selected_action": [draft.pk]})
    assert response.status_code == 302 and len(callbacks) == 1
    draft.refresh_from_db()
    assert draft.status == "generating" and draft.progress["stage"] == "queued"
    assert "queued" in client.get("/admin/reports/report/").content.decode()
