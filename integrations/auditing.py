"""What the integrations app asks the audit trail to record (connected in IntegrationsConfig.ready)."""

from audit.impact import CRITICAL, HIGH, LOW, register_actions
from audit.registry import ModelOptions, register_app

from .models import Integration, IntegrationLog, SyncKey


def register():
    register_app(
        "integrations",
        # IntegrationLog is itself a log; SyncKey rows are sync dedup keys written by raw
        # INSERT (audited, deleting an integration would write an entry per key).
        exclude=(IntegrationLog, SyncKey),
        # The sync lease changes on every run and says nothing about intent.
        options={
            Integration: ModelOptions(exclude_fields=("sync_lock_until", "sync_lock_owner"), impacts={"delete": HIGH})
        },
    )
    register_actions(
        {
            "integration_credentials_set": CRITICAL,
            "integration_credentials_rotated": CRITICAL,
            "encryption_keys_rotated": CRITICAL,
            "integration_connection_tested": LOW,
            "integration_sync_requested": LOW,
            "integration_sync_failed": LOW,
        }
    )
