"""GET /healthz: can we reach the database and the broker, and how many workers answer."""
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app
from common.queueing import ping_broker


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any driver error means "down"; details go to logs, not to the caller
        connection.close_if_unusable_or_obsolete()
        return False


def _broker_state():
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.CELERY_BROKER_URL:
        return "eager", 0
    try:
        ping_broker(celery_app)
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            return "ok", None  # the folder broker cannot broadcast, so workers cannot be pinged
        replies = celery_app.control.ping(timeout=0.5) or []
        return "ok", len(replies)
    except Exception:
        return "unavailable", 0


@never_cache
@require_GET
def healthz(request):
    database_ok = _database_ok()
    broker, workers = _broker_state()
    body = {"database": "ok" if database_ok else "unavailable", "broker": broker, "workers": workers}
    return JsonResponse(body, status=200 if database_ok else 503)
