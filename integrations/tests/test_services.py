"""Integration services: an edit that races a running sync writes only what it changed."""

import pytest

from audit.models import AuditLog
from integrations import services, sync
from integrations.models import Integration

from .factories import servicenow_integration
from .test_connectors import sn_record

pytestmark = pytest.mark.django_db

SYNC_FIELDS = (
    "sync_lock_owner",
    "sync_lock_until",
    "last_sync_at",
    "last_success_at",
    "total_syncs",
    "successful_syncs",
    "total_sync_duration_ms",
    "status",
    "health",
)


@pytest.fixture
def edited_during_a_sync(servicenow, rule):
    """(stale instance, row as the sync left it): the edit's instance was loaded before one
    sync finished and the next one took the lease."""
    servicenow.records = [sn_record(i, "non_compliant") for i in range(2)]
    integration = servicenow_integration(servicenow, rule_mapping={"PS-ENCRYPT": rule.pk}, push_findings=False)
    stale = Integration.objects.defer("credentials").get(pk=integration.pk)  # as the API and admin load it
    assert services.run_sync(integration_id=integration.pk).status == "success"
    assert sync.acquire_lock(integration.pk, owner="task-2")
    synced = Integration.objects.get(pk=integration.pk)
    assert (synced.total_syncs, synced.status, synced.sync_lock_owner) == (1, "active", "task-2")
    return stale, synced


def sync_state(integration):
    return {name: getattr(integration, name) for name in SYNC_FIELDS}


def last_update_entry(integration):
    return AuditLog.objects.filter(action="update", object_id=str(integration.pk)).latest("id")


def test_an_edit_keeps_the_lease_and_statistics_of_a_sync_running_meanwhile(edited_during_a_sync):
    stale, synced = edited_during_a_sync
    services.update_integration(
        integration=stale, changes={"description": "Owned by SecOps", "sync_frequency_minutes": 15}
    )
    row = Integration.objects.get(pk=stale.pk)
    assert sync_state(row) == sync_state(synced)
    assert (row.description, row.sync_frequency_minutes) == ("Owned by SecOps", 15)
    assert row.next_sync_at != synced.next_sync_at and row.updated_at > synced.updated_at
    assert set(last_update_entry(row).changes) == {"description", "sync_frequency_minutes", "next_sync_at"}


def test_new_credentials_during_a_sync_keep_its_lease_and_statistics(edited_during_a_sync, servicenow):
    stale, synced = edited_during_a_sync
    new = {"username": servicenow.username, "password": "rotated-password-0001"}
    services.update_integration(integration=stale, changes={"credentials": new})
    row = Integration.objects.get(pk=stale.pk)
    assert sync_state(row) == sync_state(synced)
    assert row.credentials == new and row.credentials_updated_at > synced.credentials_updated_at
    entry = last_update_entry(row)
    assert set(entry.changes) == {"credentials", "credentials_updated_at"}  # the hint shows no password
    assert entry.changes["credentials"] == ["********", "********"]
    assert AuditLog.objects.filter(action="integration_credentials_rotated", object_id=str(row.pk)).exists()


@pytest.mark.parametrize("keys", [5, 200])
def test_deleting_an_integration_does_not_load_or_audit_its_sync_keys(servicenow, keys):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.models import SyncKey

    integration = servicenow_integration(servicenow)
    SyncKey.objects.bulk_create(SyncKey(integration=integration, key=f"{n:064d}") for n in range(keys))
    with CaptureQueriesContext(connection) as queries:
        integration.delete()
    assert not SyncKey.objects.exists()
    deletes = AuditLog.objects.filter(action="delete")
    assert list(deletes.values_list("content_type__model", flat=True)) == ["integration"]
    # One cascading DELETE, whatever the number of keys: nothing reads the keys first.
    assert not any('FROM "integrations_synckey"' in q["sql"] and q["sql"].startswith("SELECT") for q in queries)
