"""Beat entries of the site (merged by compliance_site.celery)."""

BEAT_SCHEDULE = {
    # Expired API tokens are deleted (and their expiry audited) hourly rather than on each request.
    "site-sweep-expired-tokens": {
        "task": "site.sweep_expired_tokens",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Partitions are made well before they are needed (common/partitions/), and old raw
    # history leaves a whole partition at a time.
    "site-create-partitions-ahead": {
        "task": "site.create_partitions_ahead",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "site-drop-expired-partitions": {
        "task": "site.drop_expired_partitions",
        "schedule": 86400.0,
        "options": {"expires": 43200},
    },
}
