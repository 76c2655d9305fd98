"""Error pages that never leak a stack trace, and a 503 when the database is down.

Django calls handler500 while the exception is still being handled, so sys.exc_info()
tells a lost database connection (503: try again) from a bug (500).
"""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

UNAVAILABLE = "The database is temporarily unavailable. Please try again in a moment."
FAILED = "Something went wrong on our side. The error has been logged."


def _database_down(exc):
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    # psycopg raises these when the server vanished mid-query.
    return isinstance(exc, DatabaseError) and "connection" in str(exc).lower()


def _wants_json(request):
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    down = exc is not None and _database_down(exc)
    status = 503 if down else 500
    message = UNAVAILABLE if down else FAILED
    if _wants_json(request):
        response = JsonResponse({"detail": message}, status=status)
    else:
        # Rendered without context processors: they may need the database that just failed.
        html = loader.get_template("errors/error.html").render({"status": status, "message": message})
        response = HttpResponse(html, status=status)
    if down:
        response["Retry-After"] = "5"
    return response
