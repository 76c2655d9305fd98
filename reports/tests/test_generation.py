"""Generation in-process: figures equal the dashboard's, files are real and hashed."""
import hashlib
import io
import json

import pytest
from pypdf import PdfReader

from compliance.scoring import compliance_score
from reports import generation, services
from reports.storage import resolve

from .factories import ReportFactory, ReportTemplateFactory

pytestmark = pytest.mark.django_db


def generate(report, user=None):
    task_id = services.request_generation(report=report, user=user)
    outcome = generation.generate_report(report_id=report.pk, task_id=task_id)
    report.refresh_from_db()
    return outcome


def test_pdf_report_records_dashboard_figures_and_a_hashed_file(compliance_data):
    report = ReportFactory(framework=compliance_data["soc2"], name="SOC 2 status")
    assert generate(report) == "completed"
    assert report.status == "completed"
    data = resolve(report.file_path).read_bytes()
    assert report.file_hash == hashlib.sha256(data).hexdigest()
    assert report.file_size == len(data)
    assert report.page_count == len(PdfReader(io.BytesIO(data)).pages) >= 5  # cover, contents, 5 sections
    assert report.compliance_score == compliance_score(framework=compliance_data["soc2"])
    assert report.rule_count == 3
    assert report.finding_count == 2
    assert report.data_source_count == 3
    assert report.generation_time_ms > 0
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "SOC 2 status" in text and "Page 1 of" in text and "Contents" in text and "PUBLIC" in text.upper()
