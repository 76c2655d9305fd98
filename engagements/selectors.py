"""Reads for the engagement's progress (the API's /progress/ and the dashboard page)."""

from django.db.models import Count, Q
from django.utils import timezone

from .choices import RequestStatus, SignOffResult


def progress(engagement, now=None):
    """Controls in scope and tested, requests open and overdue, exceptions: a handful of queries."""
    now = now or timezone.now()
    in_scope = engagement.scope_controls().count()
    results = dict(engagement.sign_offs.values_list("result").annotate(n=Count("id")).values_list("result", "n"))
    pending = (RequestStatus.OPEN, RequestStatus.REJECTED)
    requests = engagement.requests.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=pending)),
        overdue=Count("id", filter=Q(status__in=pending, due_at__lt=now)),
        answered=Count("id", filter=Q(status=RequestStatus.ANSWERED)),
        accepted=Count("id", filter=Q(status=RequestStatus.ACCEPTED)),
    )
    tested = results.get(SignOffResult.EFFECTIVE, 0) + results.get(SignOffResult.EXCEPTION, 0)
    return {
        "controls_in_scope": in_scope,
        "controls_tested": tested,
        "controls_not_tested": results.get(SignOffResult.NOT_TESTED, 0),
        "percent_tested": round(100 * tested / in_scope, 1) if in_scope else 0.0,
        "exceptions": results.get(SignOffResult.EXCEPTION, 0),
        "populations": engagement.populations.count(),
        "samples": engagement.samples.count(),
        "requests": requests,
    }
