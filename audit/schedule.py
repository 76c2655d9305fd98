"""Beat entries of the audit app (merged by compliance_site.celery)."""

BEAT_SCHEDULE = {
    # Signed checkpoints bound how much of the chain an attacker could rewrite unnoticed.
    "audit-checkpoint": {"task": "audit.checkpoint", "schedule": 3600.0, "options": {"expires": 3000}},
    "audit-purge": {"task": "audit.purge", "schedule": 86400.0, "options": {"expires": 43200}},
}
