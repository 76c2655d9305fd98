"""Middleware of the floor."""

from django.http import JsonResponse

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
