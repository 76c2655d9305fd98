"""Middleware of the floor."""

import time

from django.conf import settings
from django.http import JsonResponse

from . import replica
from .api.parsers import MESSAGE


class RejectNulQueryMiddleware:
    """A query string holding a NUL character is a 400 before any view (see common/api/parsers.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in request.GET.getlist(key)) for key in request.GET
        ):
            return JsonResponse({"detail": MESSAGE}, status=400)
        return self.get_response(request)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ReplicaRoutingMiddleware:
    """One routing state per request (common/replica.py), and the primary pin after a write.

    A request that wrote (or asked to: any unsafe method) sends its client a short-lived
    cookie, and the client's requests while it lasts read everything from the primary, so
    the page after a form, or the GET after an API POST, shows what was just written.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica.replica_configured():
            return self.get_response(request)
        token = replica.begin_context(pinned=self._pinned(request))
        try:
            response = self.get_response(request)
            if replica.routing_state().wrote or request.method not in SAFE_METHODS:
                seconds = settings.REPLICA_PIN_SECONDS
                response.set_cookie(
                    replica.PIN_COOKIE,
                    str(int(time.time()) + seconds),
                    max_age=seconds,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        finally:
            replica.end_context(token)

    @staticmethod
    def _pinned(request):
        # The cookie only ever sends reads to the primary, so a forged one costs nothing.
        try:
            return int(request.COOKIES.get(replica.PIN_COOKIE, "0")) > time.time()
        except ValueError:
            return False
