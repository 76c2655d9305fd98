"""Generation in-process: figures equal the dashboard's, files are real and hashed."""

import hashlib
import io
import json

import pytest
from pypdf import PdfReader

from compliance.evaluations import score as compliance_score
from reports import generation, services
from reports.models import Report
from reports.storage import resolve, write_file

from .factories import ReportFactory

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
    assert report.page_count == len(PdfReader(io.BytesIO(data)).pages) == 6  # cover+contents, 5 sections
    assert report.compliance_score == compliance_score(framework=compliance_data["soc2"])
    assert report.rule_count == 3
    assert report.finding_count == 2
    assert report.data_source_count == 3
    assert report.generation_time_ms > 0
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "SOC 2 status" in text and "Page 1 of" in text and "Contents" in text and "PUBLIC" in text.upper()


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_generate_endpoint_answers_202_and_publishes_after_commit(client_as, django_capture_on_commit_callbacks):
    report = ReportFactory(access_level="internal")
    client = client_as("Compliance Manager")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/api/v1/reports/{report.pk}/generate/")
    assert response.status_code == 202, response.content
    body = response.json()
    report.refresh_from_db()
    assert body == {"id": report.pk, "status": "generating", "task_id": report.task_id}
    assert len(callbacks) == 1  # the task message goes out only once the request commits
    assert report.generated_by == client.user
    detail = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["progress"]["stage"] == "queued" and detail["progress"]["total"] == 5
    again = client.post(f"/api/v1/reports/{report.pk}/generate/")
    assert again.status_code == 409


def test_generate_unknown_report_is_404(client_as):
    assert client_as("Compliance Manager").post("/api/v1/reports/999999/generate/").status_code == 404


def test_a_task_delivered_twice_produces_one_file(compliance_data, report_storage):
    report = ReportFactory(framework=compliance_data["soc2"], file_format="json")
    task_id = services.request_generation(report=report, user=None)
    assert generation.generate_report(report_id=report.pk, task_id=task_id) == "completed"
    first = Report.objects.get(pk=report.pk)
    assert generation.generate_report(report_id=report.pk, task_id=task_id) == "skipped"
    assert stored_files(report_storage) == [f"{task_id}.json"]
    assert Report.objects.get(pk=report.pk).file_hash == first.file_hash


def test_regenerating_replaces_the_previous_file(compliance_data, report_storage, django_capture_on_commit_callbacks):
    report = ReportFactory(framework=compliance_data["soc2"], file_format="csv")
    generate(report)
    old = report.task_id
    with django_capture_on_commit_callbacks(execute=False):
        task_id = services.request_generation(report=report, user=None)
    with django_capture_on_commit_callbacks(execute=True):
        generation.generate_report(report_id=report.pk, task_id=task_id)
    assert stored_files(report_storage) == [f"{task_id}.csv"] and task_id != old


def test_a_superseded_task_does_nothing(compliance_data):
    report = ReportFactory(file_format="json")
    stale = services.request_generation(report=report, user=None)
    services.cancel_report(report=report, user=None)
    services.request_generation(report=report, user=None)
    assert generation.generate_report(report_id=report.pk, task_id=stale) == "skipped"
    assert Report.objects.get(pk=report.pk).status == "generating"


def test_cancel_while_queued_means_the_task_skips(compliance_data, client_as, report_storage):
    report = ReportFactory(file_format="json", access_level="internal")
    client = client_as("Compliance Manager")
    task_id = client.post(f"/api/v1/reports/{report.pk}/generate/").json()["task_id"]
    response = client.post(f"/api/v1/reports/{report.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert generation.generate_report(report_id=report.pk, task_id=task_id) == "skipped"
    assert stored_files(report_storage) == []
    assert client.post(f"/api/v1/reports/{report.pk}/cancel/").status_code == 409


def test_cancel_while_generating_stops_at_the_next_section(compliance_data):
    report = ReportFactory(file_format="json")
    task_id = services.request_generation(report=report, user=None)
    claimed = generation._claim(report.pk, task_id)
    progress = generation.ProgressReporter(report_id=report.pk, task_id=task_id, side_connection=False)
    progress.update(section=1, total=5, stage="collecting", title="Summary")
    assert Report.objects.get(pk=report.pk).progress_label == "section 1 of 5 (collecting)"
    services.cancel_report(report=claimed, user=None)
    with pytest.raises(generation.GenerationCancelled):
        progress.update(section=2, total=5, stage="collecting")


def test_cancel_during_rendering_discards_the_file(compliance_data, report_storage, django_capture_on_commit_callbacks):
    report = ReportFactory(file_format="csv")
    task_id = services.request_generation(report=report, user=None)
    generation._claim(report.pk, task_id)
    path, digest = write_file(report_id=report.pk, task_id=task_id, extension="csv", data=b"x")
    services.cancel_report(report=report, user=None)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = generation._complete(
            report_id=report.pk, task_id=task_id, path=path, digest=digest, size=1, pages=None, elapsed_ms=1, figures={}
        )
    assert outcome == "cancelled" and stored_files(report_storage) == []
    assert Report.objects.get(pk=report.pk).status == "cancelled"


def test_render_time_limit_fails_the_report_with_a_readable_message(compliance_data, settings):
    settings.REPORTS_RENDER_TIME_LIMIT = 0.01
    report = ReportFactory(framework=compliance_data["soc2"], file_format="pdf")
    assert generate(report) == "failed"
    assert report.status == "failed"
    assert report.error_message.startswith("The report took too long to render")
    assert not report.file_path


@pytest.mark.parametrize("file_format", ["html", "csv", "json"])
def test_other_formats_carry_the_same_figures(compliance_data, file_format):
    report = ReportFactory(framework=compliance_data["soc2"], file_format=file_format, name="Status")
    assert generate(report) == "completed"
    data = resolve(report.file_path).read_bytes()
    assert report.page_count is None and report.file_hash == hashlib.sha256(data).hexdigest()
    score = compliance_score(framework=compliance_data["soc2"])
    if file_format == "json":
        body = json.loads(data)
        assert body["figures"]["compliance_score"] == score == report.compliance_score
        assert [s["kind"] for s in body["sections"]] == [
            "executive_summary",
            "framework_coverage",
            "rule_results",
            "findings",
            "data_source_summary",
        ]
    else:
        assert f"{score}%".encode() in data


def test_csv_cells_cannot_become_formulas(compliance_data):
    from compliance.tests.factories import DataSourceFactory, RuleFactory, record

    rule = RuleFactory(framework=compliance_data["soc2"], name='=HYPERLINK("http://evil.example","x")')
    record(rule, DataSourceFactory(name="+cmd"), "failed")
    report = ReportFactory(framework=compliance_data["soc2"], file_format="csv")
    assert generate(report) == "completed"
    text = resolve(report.file_path).read_text()
    assert "'=HYPERLINK" in text and "'+cmd" in text
    assert ",=HYPERLINK" not in text and ",+cmd" not in text


def test_report_scope_of_rules_and_sources_matches_scoring(compliance_data):
    rules, sources = compliance_data["rules"][:2], compliance_data["sources"][:2]
    report = ReportFactory(file_format="json")
    report.rules.set(rules)
    report.data_sources.set(sources)
    assert generate(report) == "completed"
    assert report.compliance_score == compliance_score(rules=rules, data_sources=sources)
    assert report.rule_count == 2 and report.data_source_count == 2


def test_every_report_type_generates_with_its_default_sections(compliance_data):
    from reports.choices import ReportType

    for report_type in ReportType.values:
        # Audit entries may only go into reports their readers could read (reports/content.py).
        level = "confidential" if report_type == ReportType.AUDIT_TRAIL else "public"
        report = ReportFactory(report_type=report_type, file_format="html", access_level=level)
        assert generate(report) == "completed", (report_type, report.error_message)
