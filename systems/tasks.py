"""Celery tasks: thin, idempotent; each calls one service."""

from celery import shared_task

from . import ksi


@shared_task(name="systems.check_ksi_validations")
def check_ksi_validations():
    return ksi.check_overdue()
