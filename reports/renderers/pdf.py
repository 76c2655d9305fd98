"""HTML → PDF with WeasyPrint: safe fetcher, time limit, page count read back."""

import contextlib
import io
import signal
import threading

from django.conf import settings
from pypdf import PdfReader

from .fetcher import STATIC_BASE, SafeURLFetcher


class RenderTimeout(BaseException):
    """Rendering took longer than REPORTS_RENDER_TIME_LIMIT seconds.

    A BaseException, like Celery's time limits: WeasyPrint catches Exception around URL
    fetching and image loading, and would swallow the alarm if it fired there.
    """


def render_time_limit():
    return getattr(settings, "REPORTS_RENDER_TIME_LIMIT", 300)


# Python prints and drops an exception raised inside a finaliser (WeasyPrint's
# FontConfiguration.__del__, a WeakValueDictionary callback), so one alarm can be lost;
# after the limit the alarm repeats, a bounded number of times, until one stops the render.
ALARM_REPEAT_SECONDS = 0.1
ALARM_TRIES = 20


@contextlib.contextmanager
def time_limit(seconds):
    """Raise RenderTimeout in the current code after `seconds` (main thread only).

    Workers run tasks in their main thread, where SIGALRM interrupts WeasyPrint's pure
    Python layout. Elsewhere (a threaded test worker) the task's Celery soft time limit
    remains the backstop.
    """
    if threading.current_thread() is not threading.main_thread() or not seconds:
        yield
        return
    fired = 0

    def expire(signum, frame):
        nonlocal fired
        fired += 1
        if fired < ALARM_TRIES:
            signal.setitimer(signal.ITIMER_REAL, ALARM_REPEAT_SECONDS)
        raise RenderTimeout(f"Rendering exceeded the {seconds} s limit.")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def html_to_pdf(html, *, seconds=None):
    """Render `html` to PDF bytes; returns (bytes, page_count, refused_urls)."""
    from weasyprint import HTML  # heavy import: only workers pay for it

    fetcher = SafeURLFetcher()
    with time_limit(render_time_limit() if seconds is None else seconds):
        data = HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).write_pdf()
    return data, count_pages(data), fetcher.refused


def count_pages(data):
    """Pages of a PDF, read back from the bytes we are about to store."""
    return len(PdfReader(io.BytesIO(data)).pages)
