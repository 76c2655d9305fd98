"""Beat entries of the integrations app (merged by compliance_site.celery)."""

BEAT_SCHEDULE = {
    "integrations-dispatch-due-syncs": {
        "task": "integrations.dispatch_due_syncs",
        "schedule": 60.0,
        "options": {"queue": "integrations", "expires": 55},
    },
}
