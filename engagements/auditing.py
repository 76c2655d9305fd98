"""What the engagements app asks the audit trail to record (connected in EngagementsConfig.ready)."""

from audit.impact import LOW, MEDIUM, register_actions
from audit.registry import ModelOptions, register_app

from .models import Engagement, Population


def register():
    register_app(
        "engagements",
        options={
            Engagement: ModelOptions(impacts={"delete": MEDIUM}),
            # A million ids are not a diff: the frozen event records the size and the hash.
            Population: ModelOptions(exclude_fields=("members",)),
        },
    )
    register_actions(
        {
            "population_frozen": MEDIUM,
            "sample_drawn": MEDIUM,
            "request_answered": LOW,
            "request_accepted": MEDIUM,
            "request_rejected": MEDIUM,
            "engagement_exported": MEDIUM,
            "request_overdue": LOW,
        }
    )
