"""Periodic work of the engagements app, merged into the beat schedule by compliance_site.celery."""

BEAT_SCHEDULE = {
    "engagements-notify-overdue-requests": {"task": "engagements.notify_overdue_requests", "schedule": 900.0},
}
