"""Periodic work of the workflows app, merged into the beat schedule by compliance_site.celery."""

BEAT_SCHEDULE = {
    "workflows-check-overdue-steps": {"task": "workflows.check_overdue_steps", "schedule": 60.0},
    "workflows-run-schedule-triggers": {"task": "workflows.run_schedule_triggers", "schedule": 60.0},
    "workflows-notify-control-owners": {"task": "workflows.notify_control_owners", "schedule": 3600.0},
}
