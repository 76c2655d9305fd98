"""Report generation speed: a 25-page PDF beside WeasyPrint alone, and 20 reports on 1 vs 2 workers.

A script, not a test: `.venv/bin/python bench/bench_reports.py [--reports 20] [--repeat 3]`.
Data lives in its own database (bench_reports); workers are real `celery worker` processes
on Redis db 4. Prints medians and ratios; nothing passes or fails on time.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine_note, row, setup_django  # noqa: E402

DATABASE = "bench_reports"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/4")
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
os.environ["CELERY_BROKER_URL"] = BROKER


def build_data():
    """Rules on 8 data sources with 30 days of history: enough findings for a 25-page PDF."""
    from django.utils import timezone

    from compliance.evaluation_rows import validate_evaluation_rows
    from compliance.models import ComplianceRule, Control, DataSource, Framework
    from compliance.services import record_evaluations

    framework, created = Framework.objects.get_or_create(code="bench_soc2", defaults={"name": "Bench SOC 2"})
    if not created:
        return framework
    controls = Control.objects.bulk_create([
        Control(framework=framework, ref_id=f"CC{i // 10}.{i % 10}", title=f"Criterion {i}", sort_order=i)
        for i in range(120)])
    rules = []
    for i in range(150):
        rule = ComplianceRule.objects.create(framework=framework, name=f"Check {i:03d}: configuration baseline",
                                             severity=["low", "medium", "high", "critical"][i % 4])
        rule.controls.set([controls[i % len(controls)]])
        rules.append(rule)
    sources = [DataSource.objects.create(name=f"bench-host-{i}", source_type="server") for i in range(8)]
    now = timezone.now()
    raw = [{"rule": rule.pk, "data_source": source.pk,
            "status": "failed" if (r + s + day) % 3 == 0 else "passed", "score": float((r * s + day) % 101),
            "evaluated_at": (now - timedelta(days=day, minutes=r)).isoformat()}
           for day in range(30, -1, -3) for r, rule in enumerate(rules) for s, source in enumerate(sources)]
    rows, errors = validate_evaluation_rows(raw)
    assert not errors, errors[:3]
    record_evaluations(rows=rows, source="bench")
    return framework


def pdf_vs_weasyprint(framework, repeat):
    from weasyprint import HTML

    from reports import generation, services
    from reports.models import Report
    from reports.renderers import render_html
    from reports.renderers.fetcher import STATIC_BASE, SafeURLFetcher

    report = Report.objects.create(name="Bench 25 pages", report_type="detailed_findings", framework=framework,
                                   file_format="pdf", access_level="internal",
                                   parameters={"period_days": 30, "include_passed": True, "max_rows": 250})
    # The HTML our generation renders, for WeasyPrint alone; rendered once first as warm-up
    # (fonts, layout caches), so neither side pays it. Then the two alternate.
    task_id = services.request_generation(report=report, user=None)
    generation._claim(report.pk, task_id)
    document, _ = generation.build_document(report, task_id=task_id)
    html = render_html(document, for_pdf=True)
    services.cancel_report(report=report, user=None)
    HTML(string=html, base_url=STATIC_BASE, url_fetcher=SafeURLFetcher()).write_pdf()
    ours, ours_cpu, alone, alone_cpu, pages = [], [], [], [], None
    for _ in range(repeat):
        task_id = services.request_generation(report=report, user=None)
        cpu = time.process_time()
        assert generation.generate_report(report_id=report.pk, task_id=task_id) == "completed"
        ours_cpu.append((time.process_time() - cpu) * 1000)
        report.refresh_from_db()
        ours.append(report.generation_time_ms)
        pages = report.page_count
        start, cpu = time.perf_counter(), time.process_time()
        HTML(string=html, base_url=STATIC_BASE, url_fetcher=SafeURLFetcher()).write_pdf()
        alone.append((time.perf_counter() - start) * 1000)
        alone_cpu.append((time.process_time() - cpu) * 1000)
    print(f"PDF: {pages} pages, {len(html) // 1024} KiB of HTML, {repeat} runs each (median); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    row("generation_time_ms vs WeasyPrint alone", statistics.median(ours), statistics.median(alone), target=1.25)
    # CPU time of this process: the same comparison, robust when other jobs share the cores.
    row("CPU time, generation vs WeasyPrint alone", statistics.median(ours_cpu), statistics.median(alone_cpu),
        target=1.25)


def run_workers(framework, *, count, concurrency):
    """Queue `count` reports and time until a real worker with `concurrency` processes finishes them."""
    from compliance_site.celery import app
    from reports import services
    from reports.models import Report

    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue.bind(connection.default_channel).purge()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "compliance_site.test_settings"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "compliance_site", "worker", "-Q", "reports", "-c", str(concurrency),
         "--pool", "prefork", "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"bench{concurrency}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(6)  # let the pool fork and connect before the clock starts
        reports = [Report.objects.create(name=f"Bench batch {i}", report_type="compliance_status",
                                         framework=framework, file_format="pdf", access_level="internal",
                                         parameters={"period_days": 30, "include_passed": False, "max_rows": 40})
                   for i in range(count)]
        start = time.perf_counter()
        for report in reports:
            services.request_generation(report=report, user=None)
        ids = [r.pk for r in reports]
        while Report.objects.filter(pk__in=ids, status__in=["generating", "scheduled"]).exists():
            if worker.poll() is not None:
                raise SystemExit(f"worker died: {worker.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
        failed = Report.objects.filter(pk__in=ids, status="failed").count()
        return elapsed, failed
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django(DATABASE)
    from reports.models import Report

    print(f"machine: {machine_note()}")
    framework = build_data()
    Report.objects.all().delete()
    pdf_vs_weasyprint(framework, args.repeat)
    if args.reports:  # --reports 0 measures the PDF only
        one, failed_one = run_workers(framework, count=args.reports, concurrency=1)
        two, failed_two = run_workers(framework, count=args.reports, concurrency=2)
        print(f"{args.reports} reports: 1 worker process {one:.1f} s ({args.reports / one:.2f}/s, "
              f"{failed_one} failed); 2 worker processes {two:.1f} s ({args.reports / two:.2f}/s, {failed_two} failed)")
        row(f"{args.reports} reports, 2 processes vs 1 (wall time)", two * 1000, one * 1000)
    from reports.storage import delete_file

    for report in Report.objects.exclude(file_path=""):
        delete_file(report.file_path)


if __name__ == "__main__":
    main()
