"""Enqueueing Celery work only once the surrounding transaction has committed."""
import uuid

from django.db import transaction


def enqueue_on_commit(task, *, args=(), kwargs=None, **options):
    """Publish `task` after commit (at once outside a transaction); return its task id.

    The id is minted up front so an API can answer 202 with it before the message exists,
    and a rolled-back request never leaves a task behind that points at missing rows.
    """
    task_id = options.pop("task_id", None) or uuid.uuid4().hex
    transaction.on_commit(
        lambda: task.apply_async(args=tuple(args), kwargs=dict(kwargs or {}), task_id=task_id, **options)
    )
    return task_id
