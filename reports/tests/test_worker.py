"""A real Celery worker on Redis generates a PDF; the test reads the stored file back."""

import hashlib
import io
import time

import pytest
from celery.signals import task_postrun
from django.db import connections
from pypdf import PdfReader

from compliance.evaluations import score as compliance_score
from compliance.tests.factories import ControlFactory, DataSourceFactory, FrameworkFactory, RuleFactory, record
from reports import services
from reports.models import Report
from reports.storage import resolve
from reports.tasks import generate_report_task

from .factories import ReportFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _close_worker_connections(**kwargs):
    # The worker thread keeps its own connection; close it so the test database can be dropped.
    connections.close_all()


@pytest.fixture
def report_worker(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from compliance_site.celery import app

    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue.bind(connection.default_channel).purge()  # leftovers from earlier runs
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)


def wait_for(report_id, statuses, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = Report.objects.get(pk=report_id)
        if report.status in statuses:
            return report
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} still {report.status} after {timeout}s: {report.progress}")


def test_worker_generates_a_pdf_whose_hash_and_page_count_match_the_file(report_worker, report_storage):
    framework = FrameworkFactory(code="soc2", name="SOC 2")
    sources = [DataSourceFactory() for _ in range(3)]
    for i in range(12):
        rule = RuleFactory(
            framework=framework,
            severity=["low", "medium", "high", "critical"][i % 4],
            controls=[ControlFactory(framework=framework)],
        )
        for j, source in enumerate(sources):
            record(rule, source, "failed" if (i + j) % 4 == 0 else "passed")
    report = ReportFactory(framework=framework, name="Worker-made SOC 2 report", access_level="confidential")

    task_id = services.request_generation(report=report, user=None)
    done = wait_for(report.pk, {"completed", "failed"})
    assert done.status == "completed", done.error_message

    data = resolve(done.file_path).read_bytes()
    assert done.file_hash == hashlib.sha256(data).hexdigest() and done.file_size == len(data)
    pdf = PdfReader(io.BytesIO(data))
    assert done.page_count == len(pdf.pages) == 6  # cover with contents, then one page per section
    assert f"Page {len(pdf.pages)} of {len(pdf.pages)}" in pdf.pages[-1].extract_text()
    assert done.compliance_score == compliance_score(framework=framework)
    assert done.progress["stage"] == "completed" and done.progress["section"] == done.progress["total"] == 5

    # The same message delivered again (acks_late redelivery) leaves one file and the same hash.
    # The solo worker runs messages in order: once a later report completes, the copy has run.
    generate_report_task.apply_async(args=[report.pk, task_id], task_id=task_id)
    later = ReportFactory(name="Later", file_format="json")
    services.request_generation(report=later, user=None)
    assert wait_for(later.pk, {"completed", "failed"}).status == "completed"
    files = sorted(p.name for p in report_storage.rglob("*") if p.is_file())
    assert files == sorted([f"{task_id}.pdf", f"{Report.objects.get(pk=later.pk).task_id}.json"])
    again = Report.objects.get(pk=report.pk)
    assert (again.file_hash, again.generated_at) == (done.file_hash, done.generated_at)
