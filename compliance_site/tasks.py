"""Celery tasks of the site: thin, each calls one service."""

from celery import shared_task

from audit.context import audit_context

from . import tokens


@shared_task(name="site.sweep_expired_tokens")
def sweep_expired_tokens():
    with audit_context(source="task", actor_label="task:site.sweep_expired_tokens"):
        return {"expired": tokens.sweep_expired()}
