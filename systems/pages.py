"""The Key Security Indicator page of a system (dashboard), from the same summary as the API."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from compliance.pages.views import dashboard_view

from .choices import ValidationKind
from .ksi import cycle_hours, ksi_summary
from .models import System


@dashboard_view
def ksi_page(request, pk):
    if not request.user.has_perm("systems.view_system"):
        raise PermissionDenied
    system = get_object_or_404(System, pk=pk)
    return render(
        request,
        "dashboard/ksi.html",
        {
            "system": system,
            "summary": ksi_summary(system=system),
            "cycles": {kind: cycle_hours(system, kind) for kind in ValidationKind.values},
        },
    )
