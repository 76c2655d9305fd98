"""Periodic work of the reports app, merged into Celery beat by compliance_site/celery.py."""

BEAT_SCHEDULE = {
    "reports-dispatch-due-schedules": {
        "task": "reports.dispatch_due_schedules",
        "schedule": 60.0,
        "options": {"expires": 55},  # a late tick is dropped; the next one catches up
    },
}
