"""A completed report becomes evidence in one action, with its bytes, hash and access level."""

import hashlib

import pytest

from common.roles import COMPLIANCE_MANAGER, VIEWER
from compliance.models import Evidence
from compliance.tests.factories import ControlFactory, RuleFactory
from reports.models import Report
from reports.storage import write_file

from .factories import ReportFactory

pytestmark = pytest.mark.django_db
CSV = b"section,value\r\nscore,97\r\n"


def completed(**fields):
    report = ReportFactory(status="completed", file_format="csv", **fields)
    path, digest = write_file(report_id=report.pk, task_id="t1", extension="csv", data=CSV)
    Report.objects.filter(pk=report.pk).update(file_path=path, file_hash=digest, file_size=len(CSV))
    report.refresh_from_db()
    return report


def test_a_completed_report_is_filed_as_evidence(client_as):
    control = ControlFactory()
    report = completed(access_level="confidential")
    report.rules.set([RuleFactory(framework=control.framework, controls=[control])])
    manager = client_as(COMPLIANCE_MANAGER)
    response = manager.post(f"/api/v1/reports/{report.pk}/file-as-evidence/", {"valid_for_days": 30})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(CSV).hexdigest() == report.file_hash
    assert body["media_type"] == "text/csv" and body["access_level"] == "confidential"
    assert body["controls"] == [control.pk] and body["valid_for_days"] == 30
    assert f"report {report.pk}" in body["source"]


def test_only_completed_reports_and_only_evidence_writers(client_as):
    draft = ReportFactory(status="draft", access_level="internal")
    manager = client_as(COMPLIANCE_MANAGER)
    assert manager.post(f"/api/v1/reports/{draft.pk}/file-as-evidence/", {}).status_code == 400
    report = completed(access_level="internal")
    assert client_as(VIEWER).post(f"/api/v1/reports/{report.pk}/file-as-evidence/", {}).status_code == 403
    assert manager.post(f"/api/v1/reports/{report.pk}/file-as-evidence/", {"controls": [999999]}).status_code == 400
    assert manager.post(f"/api/v1/reports/{report.pk}/file-as-evidence/", {"valid_for_days": "x"}).status_code == 400
    assert manager.post("/api/v1/reports/999999/file-as-evidence/", {}).status_code == 404
    assert not Evidence.objects.exists()
