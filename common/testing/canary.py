"""Suite-wide canary watch: secrets used by tests must never surface anywhere.

Every response the suite's test clients and live servers send, every log record, every
audit entry and integration log row written, and every Celery task result is searched
for the canary strings. A hit fails the whole run at the end (see conftest.py), naming
where it was seen. Tests that put a canary into credentials import it from here.
"""

import json
import logging

CANARY = "canary-7f3c9e1d-SECRET-must-never-surface"
# The integrations and audit suites use canaries of their own; all are watched.
CANARIES = (CANARY, "CANARY-7f3e9b1c-do-not-leak-4242", "canary-Zq8v1-NEVER-LOGGED")

sightings = []


def _check(where, text):
    if not text:
        return
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for canary in CANARIES:
        if canary in text:
            sightings.append(f"{where}: …{text[max(0, text.index(canary) - 80) : text.index(canary) + 40]}…")


class CanaryResponseMiddleware:
    """Added to MIDDLEWARE by the test settings only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(response, "streaming", False):
            _check(f"response {request.method} {request.path}", response.content)
        for name, value in response.items():
            _check(f"response header {name} of {request.path}", value)
        return response


class CanaryLogHandler(logging.Handler):
    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not our concern here
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        _check(f"log {record.name}", text)


def _on_model_saved(sender, instance, **kwargs):
    label = sender._meta.label
    if label == "audit.AuditLog" or label.endswith("Log"):
        fields = {f.attname: getattr(instance, f.attname, None) for f in sender._meta.concrete_fields}
        _check(f"row {label}#{instance.pk}", json.dumps(fields, default=str))


def _on_task_done(sender=None, task_id=None, task=None, retval=None, **kwargs):
    _check(f"task result {getattr(task, 'name', sender)}", repr(retval))


def install():
    from celery.signals import task_postrun
    from django.db.models.signals import post_save

    logging.getLogger().addHandler(CanaryLogHandler(level=logging.DEBUG))
    post_save.connect(_on_model_saved, dispatch_uid="canary-watch")
    task_postrun.connect(_on_task_done, dispatch_uid="canary-watch", weak=False)
