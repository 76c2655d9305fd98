"""GET /healthz: can we reach the database, the cache and the broker, and how many workers answer."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.partitions import default_rows
from common.queueing import ping_broker
from common.replica import lag_probe, replica_configured

from .celery import app as celery_app
from .version import VERSION

logger = logging.getLogger(__name__)

# Long enough for the read back, short enough that a probe a failed delete leaves behind
# soon expires.
CACHE_PROBE_SECONDS = 10


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any driver error means "down"; details go to logs, not to the caller
        connection.close_if_unusable_or_obsolete()
        return False


def _partition_guard():
    """{table: rows in its DEFAULT partition}: non-zero means partitions were not created
    ahead (is beat running?); the rows are safe and move out when their partition is made."""
    try:
        return default_rows()
    except Exception:
        logger.warning("healthz: the partitions cannot be read", exc_info=True)
        connection.close_if_unusable_or_obsolete()
        return None


def _cache_ok():
    """Write a short-lived key and read it back: sign-ins need the cache (lockout counters)."""
    key = f"healthz:{uuid.uuid4().hex}"  # one per probe, so concurrent probes cannot mix
    try:
        cache.set(key, key, timeout=CACHE_PROBE_SECONDS)
        ok = cache.get(key) == key
        cache.delete(key)
        return ok
    except Exception:  # a missing cache table, Redis down...: the reason goes to the log
        logger.warning("healthz: the cache cannot be written and read back", exc_info=True)
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
    cache_ok = _cache_ok()
    broker, workers = _broker_state()
    body = {
        "database": "ok" if database_ok else "unavailable",
        "broker": broker,
        "workers": workers,
        "cache": "ok" if cache_ok else "error",
        "partition_default_rows": _partition_guard() if database_ok else None,
        "version": VERSION,
    }
    if replica_configured():
        # A lagging or missing replica degrades nothing (its reads go to the primary): shown, not a 503.
        body["replica"] = lag_probe.status(fresh=True).as_dict()
    return JsonResponse(body, status=200 if database_ok and cache_ok else 503)
