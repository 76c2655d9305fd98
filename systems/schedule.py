"""Periodic work of the systems app, merged into the beat schedule by compliance_site.celery."""

BEAT_SCHEDULE = {
    # Hourly: cycles are days long, so a late validation is caught within the hour.
    "systems-check-ksi-validations": {"task": "systems.check_ksi_validations", "schedule": 3600.0},
}
