"""The one way a report file leaves the server: permission already checked, audited, streamed."""

from django.http import FileResponse, Http404

from . import services
from .models import Report


def report_file_response(report):
    """Stream a visible report's file as an attachment (404 when it has none)."""
    try:
        handle, filename, content_type = services.open_download(report=report)
    except Report.DoesNotExist as exc:
        raise Http404(str(exc)) from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # An HTML report opened by mistake in the browser must not run or fetch anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response
