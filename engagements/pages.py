"""The engagement's progress page on the dashboard (/dashboard/engagements/<id>/)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from compliance.pages.views import dashboard_view

from . import selectors
from .choices import RequestStatus
from .models import Engagement


@dashboard_view
def engagement_progress(request, pk):
    engagement = Engagement.objects.visible_to(request.user).select_related("framework").filter(pk=pk).first()
    if engagement is None:
        raise Http404("No such engagement.")
    now = timezone.now()
    sign_offs = {row.control_id: row for row in engagement.sign_offs.all()}
    requests = list(engagement.requests.select_related("control", "assignee").order_by("due_at", "id"))
    open_by_control = {}
    for row in requests:
        if row.status in (RequestStatus.OPEN, RequestStatus.REJECTED):
            open_by_control[row.control_id] = open_by_control.get(row.control_id, 0) + 1
    controls = [
        {
            "control": control,
            "sign_off": sign_offs.get(control.pk),
            "open_requests": open_by_control.get(control.pk, 0),
        }
        for control in engagement.scope_controls().order_by("sort_order", "ref_id")
    ]
    context = {
        "engagement": engagement,
        "progress": selectors.progress(engagement, now=now),
        "controls": controls,
        "pending_requests": [row for row in requests if row.status in (RequestStatus.OPEN, RequestStatus.REJECTED)],
        "now": now,
    }
    return render(request, "engagements/progress.html", context)
