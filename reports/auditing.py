"""What the reports app asks the audit trail to record (connected in ReportsConfig.ready)."""

from audit.impact import LOW, MEDIUM, register_actions
from audit.registry import ModelOptions, register_app

from .models import Report


def register():
    register_app("reports", options={Report: ModelOptions(impacts={"delete": MEDIUM})})
    register_actions(
        {
            # services.open_download sets the level from the report's access level; this is the floor.
            "report_downloaded": MEDIUM,
            "report_generation_requested": LOW,
            "report_cancelled": LOW,
            "report_distribution_withheld": MEDIUM,
        }
    )
