"""WeasyPrint safety: only our static files and data: URIs are ever fetched."""

import contextlib
import http.server
import threading
import time

import pytest

from reports.renderers.pdf import RenderTimeout, count_pages, html_to_pdf, time_limit

from .factories import ReportFactory
from .test_generation import generate

PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def vendor_server():
    """A real HTTP server on 127.0.0.1 that counts every request it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_hostile_references_fetch_nothing_and_the_document_still_renders(vendor_server):
    base, hits = vendor_server
    hostile = [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "/dev/urandom",
        f"{base}/import.css",
        f"{base}/link.css",
        f"{base}/image.png",
        "ftp://127.0.0.1/x",
    ]
    html = f"""<html><head>
      <style>@import url("{hostile[3]}"); body {{ background: url("{hostile[0]}") }}</style>
      <link rel="stylesheet" href="{hostile[4]}">
      </head><body><h1>Safe</h1>
      <img src="{hostile[0]}"><img src="{hostile[1]}"><img src="{hostile[2]}"><img src="{hostile[5]}">
      <img src="{hostile[6]}"><img src="{PIXEL}" alt="pixel">
      <iframe src="{hostile[1]}"></iframe><object data="{hostile[2]}"></object>
      </body></html>"""
    data, pages, refused = html_to_pdf(html)
    assert data.startswith(b"%PDF") and pages == count_pages(data) == 1
    assert hits == []
    assert "file:///etc/passwd" in refused and "http://169.254.169.254/latest/meta-data/" in refused
    assert any(url.endswith("/dev/urandom") for url in refused)
    assert f"{base}/import.css" in refused and f"{base}/link.css" in refused
    assert not any(url.startswith("data:") for url in refused)


def test_our_static_files_are_served_through_the_fetcher():
    html = '<html><head><link rel="stylesheet" href="/static/admin/css/base.css"></head><body>x</body></html>'
    _data, pages, refused = html_to_pdf(html)
    assert refused == [] and pages == 1


def test_static_path_traversal_is_refused():
    _, _, refused = html_to_pdf('<img src="/static/../../../../etc/passwd"><img src="/static/%2e%2e/settings.py">')
    assert len(refused) == 2


def test_render_time_limit_interrupts_weasyprint():
    rows = "".join(f"<tr><td>{i}</td><td>{'x' * 80}</td></tr>" for i in range(4000))
    with pytest.raises(RenderTimeout):
        html_to_pdf(f"<table>{rows}</table>", seconds=0.2)


def test_render_time_limit_survives_a_lost_alarm():
    started = time.monotonic()
    with pytest.raises(RenderTimeout), time_limit(0.05):
        with contextlib.suppress(RenderTimeout):  # what Python does with an exception raised in a finaliser
            time.sleep(5)
        time.sleep(5)
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_parameters_and_names_cannot_inject_markup(report_storage):
    report = ReportFactory(
        name='<img src="file:///etc/passwd"><link rel=stylesheet href="http://169.254.169.254/">',
        description='<style>@import url("http://169.254.169.254/x.css");</style>',
        file_format="html",
    )
    assert generate(report) == "completed"
    html = (report_storage / report.file_path).read_text()
    assert '<img src="file:' not in html and "<style>@import" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    pdf_report = ReportFactory(name=report.name, description=report.description, file_format="pdf")
    assert generate(pdf_report) == "completed"
