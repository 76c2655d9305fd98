"""Without DATABASE_REPLICA_URL nothing changes: every read is the primary's, no pin cookie.

The routing with a real replica is tested in test_read_replica.py.
"""

import pytest
from django.db import DEFAULT_DB_ALIAS

from common import replica
from common.roles import COMPLIANCE_MANAGER

pytestmark = pytest.mark.django_db


def test_reads_stay_on_the_primary_without_a_replica():
    assert not replica.replica_configured()
    with replica.replica_reads() as alias:
        assert alias == DEFAULT_DB_ALIAS
    assert replica.lag_probe.status().as_dict() == {"state": "not_configured", "lag_seconds": None}


def test_no_pin_cookie_and_no_replica_health_without_a_replica(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    response = client.get("/api/v1/analytics/dashboard/")
    assert response.status_code == 200
    assert replica.PIN_COOKIE not in response.cookies
    assert "replica" not in client.get("/healthz").json()


def test_the_router_migrates_only_the_primary():
    router = replica.PrimaryReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "compliance")
    assert not router.allow_migrate(replica.REPLICA_DB_ALIAS, "compliance")


def test_bookkeeping_writes_do_not_pin_the_context():
    token = replica.begin_context()
    try:
        with replica.bookkeeping_writes():
            replica.PrimaryReplicaRouter().db_for_write(None)
        assert replica.routing_state().wrote is False
        replica.PrimaryReplicaRouter().db_for_write(None)
        assert replica.routing_state().wrote is True
    finally:
        replica.end_context(token)
