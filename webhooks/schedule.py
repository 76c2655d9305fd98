"""Beat entries of the webhooks app (merged by compliance_site.celery)."""

from django.conf import settings

BEAT_SCHEDULE = {
    # New audit entries reach subscribers within this many seconds; retries wait their backoff.
    "webhooks-dispatch": {
        "task": "webhooks.dispatch",
        "schedule": float(getattr(settings, "WEBHOOK_DISPATCH_SECONDS", 5)),
        "options": {"expires": 30},
    },
}
