"""What the webhooks app asks the audit trail to record (the secret is masked by its name)."""

from audit.impact import MEDIUM, register_actions
from audit.registry import ModelOptions, register_app

from .models import WebhookDelivery, WebhookSubscription


def register():
    register_app(
        "webhooks",
        # The delivery log is a log itself; the cursor and retry state change on every delivery.
        exclude=(WebhookDelivery,),
        options={
            WebhookSubscription: ModelOptions(
                exclude_fields=("last_seq", "failure_count", "next_attempt_at", "updated_at"),
                impacts={"create": MEDIUM, "delete": MEDIUM},
            )
        },
    )
    register_actions({"webhook_paused": MEDIUM, "webhook_replayed": MEDIUM})
