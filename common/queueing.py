"""Enqueueing Celery work only once the surrounding transaction has committed."""

import logging
import time
import uuid

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

BROKER_CHECK_TIMEOUT = 2  # seconds; a request that needs the broker answers 503 well within 5 s
BROKER_OK_FOR = 1.0  # seconds a successful check is trusted (bulk paths enqueue in loops)
_last_ok = 0.0


class BrokerUnavailable(Exception):
    """The message broker cannot be reached, so work cannot be queued."""


def ensure_broker_available():
    """Raise BrokerUnavailable unless the broker accepts a connection right now.

    Called before the caller's transaction commits: when Redis is down the request fails
    (503) and rolls back, instead of committing rows that promise work nobody will do.
    """
    global _last_ok
    if settings.CELERY_TASK_ALWAYS_EAGER or time.monotonic() - _last_ok < BROKER_OK_FOR:
        return
    try:
        ping_broker(current_app)
    except Exception as exc:  # kombu raises transport-specific errors; all mean "not reachable"
        logger.warning("broker unavailable: %s", exc.__class__.__name__)
        raise BrokerUnavailable("The task queue is unavailable; nothing was changed. Try again shortly.") from exc
    _last_ok = time.monotonic()


def ping_broker(app):
    """Round-trip to the broker. kombu connects to Redis lazily, so connecting proves nothing."""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_CHECK_TIMEOUT)
        if connection.transport.driver_type == "redis":
            connection.default_channel.client.ping()


def registered_task(name):
    """The task registered as `name`. Outside a worker the apps' tasks modules are imported
    on the first lookup (Celery's autodiscovery runs when a worker starts, not in a web
    process); an unknown name raises before anything is written."""
    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.loader.import_default_modules()  # runs the pending autodiscovery once
    return current_app.tasks[name]


def enqueue_on_commit(task_name, *, args=(), kwargs=None, **options):
    """Publish the task registered as `task_name` after commit (at once outside a
    transaction); return its task id.

    By name, so a service never imports the tasks module that calls it. The id is minted up
    front so an API can answer 202 with it before the message exists, and a rolled-back
    request never leaves a task behind that points at missing rows. The task is looked up
    in the app's registry (not sent blind), so eager mode and the task's own options hold.
    """
    if not isinstance(task_name, str):
        raise TypeError("enqueue_on_commit takes the task's registered name, e.g. 'reports.generate_report'.")
    task = registered_task(task_name)
    ensure_broker_available()
    task_id = options.pop("task_id", None) or uuid.uuid4().hex
    transaction.on_commit(
        lambda: task.apply_async(args=tuple(args), kwargs=dict(kwargs or {}), task_id=task_id, **options)
    )
    return task_id
