"""Carrying the audit context into Celery tasks and management commands.

- Publishing a task puts the acting user's id and the request id into its headers; the
  worker restores them around the task (source "task"). With no user the actor label is
  "system:<task name>".
- A management command (manage.py or call_command) runs with source "command" and actor
  label "system:<command name>", unless it runs inside a request or task already.
"""

import functools

from celery import signals as celery_signals
from django.core.management.base import BaseCommand

from .context import audit_context, get_context, new_request_id

ACTOR_HEADER = "audit_actor_id"
REQUEST_HEADER = "audit_request_id"

_task_contexts = {}


def _on_before_publish(sender=None, headers=None, **kwargs):
    if headers is None:
        return
    ctx = get_context()
    actor = ctx.actor
    headers[ACTOR_HEADER] = actor.pk if actor is not None else None
    headers[REQUEST_HEADER] = ctx.request_id or None


def _user_loader(user_id):
    @functools.cache
    def load():
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=user_id).first()

    return load


def _on_task_prerun(task_id=None, task=None, **kwargs):
    request = getattr(task, "request", None)
    outer = get_context()
    user_id = getattr(request, ACTOR_HEADER, None)
    if user_id is not None:
        resolver = _user_loader(user_id)
    elif request is not None and request.is_eager:
        resolver = outer.actor_resolver  # run in-process: same caller
    else:
        resolver = None
    manager = audit_context(
        source="task",
        actor_resolver=resolver,
        actor_label=f"system:{task.name}",
        request_id=getattr(request, REQUEST_HEADER, None) or outer.request_id or new_request_id(),
    )
    manager.__enter__()
    _task_contexts[task_id] = manager


def _on_task_postrun(task_id=None, **kwargs):
    manager = _task_contexts.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)


def connect_celery():
    celery_signals.before_task_publish.connect(_on_before_publish, dispatch_uid="audit:publish", weak=False)
    celery_signals.task_prerun.connect(_on_task_prerun, dispatch_uid="audit:prerun", weak=False)
    celery_signals.task_postrun.connect(_on_task_postrun, dispatch_uid="audit:postrun", weak=False)


def _command_name(command):
    return type(command).__module__.rsplit(".", 1)[-1]


def install_command_context():
    """Wrap BaseCommand.execute once so every command's writes name the command."""
    original = BaseCommand.execute
    if getattr(original, "_audit_context", False):
        return

    @functools.wraps(original)
    def execute(self, *args, **options):
        if get_context().source != "system":
            return original(self, *args, **options)
        with audit_context(
            source="command",
            actor_resolver=None,
            actor_label=f"system:{_command_name(self)}",
            request_id=new_request_id(),
        ):
            return original(self, *args, **options)

    execute._audit_context = True
    BaseCommand.execute = execute
