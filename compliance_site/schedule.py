"""Beat entries of the site (merged by compliance_site.celery)."""

BEAT_SCHEDULE = {
    # Expired API tokens are deleted (and their expiry audited) hourly rather than on each request.
    "site-sweep-expired-tokens": {
        "task": "site.sweep_expired_tokens",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
}
