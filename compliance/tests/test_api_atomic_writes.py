"""Every API write is one transaction: the service it goes through is atomic (common/writes.py).

Real transactions (transaction=True) and a real server-side failure: a trigger on the
rule-controls table refuses the many-to-many rows DRF writes after the rule itself.
"""

import contextlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from common.roles import COMPLIANCE_MANAGER, VIEWER
from compliance.models import ComplianceRule
from compliance.tests.factories import ControlFactory, RuleFactory

pytestmark = pytest.mark.django_db(transaction=True)

THROUGH = ComplianceRule.controls.through._meta.db_table


@contextlib.contextmanager
def control_links_refused():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_link() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'control links refused by the test'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_link BEFORE INSERT ON {THROUGH} "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_link()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER test_refuse_link ON {THROUGH}")
            cursor.execute("DROP FUNCTION test_refuse_link()")


@pytest.fixture
def manager(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    client.raise_request_exception = False  # see the 500 the way an API client does
    return client


@pytest.mark.skipif(connection.vendor != "postgresql", reason="uses a PostgreSQL trigger")
def test_a_create_that_fails_after_the_row_leaves_neither_row_nor_entry(manager):
    control = ControlFactory()
    payload = {
        "name": "Half written",
        "framework": control.framework.code,
        "controls": [control.pk],
        "severity": "high",
        "rule_type": "configuration",
    }
    with control_links_refused():
        response = manager.post("/api/v1/rules/", payload, format="json")
    assert response.status_code == 500
    assert not ComplianceRule.objects.filter(name="Half written").exists()
    assert not AuditLog.objects.filter(content_type__model="compliancerule", action="create").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="uses a PostgreSQL trigger")
def test_an_update_that_fails_halfway_keeps_the_old_row(manager):
    rule = RuleFactory(severity="low")
    control = ControlFactory(framework=rule.framework)
    with control_links_refused():
        response = manager.patch(
            f"/api/v1/rules/{rule.pk}/", {"severity": "critical", "controls": [control.pk]}, format="json"
        )
    assert response.status_code == 500
    rule.refresh_from_db()
    assert rule.severity == "low" and not rule.controls.exists()
    assert not AuditLog.objects.filter(content_type__model="compliancerule", action="update").exists()


def test_a_write_is_one_transaction_and_its_entry_rides_with_the_commit(manager):
    control = ControlFactory()
    payload = {
        "name": "One transaction",
        "framework": control.framework.code,
        "controls": [control.pk],
        "severity": "high",
        "rule_type": "configuration",
    }
    manager.post("/api/v1/rules/", {**payload, "name": "warm caches"}, format="json")
    with CaptureQueriesContext(connection) as queries:
        response = manager.post("/api/v1/rules/", payload, format="json")
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in queries]
    assert sql.count("BEGIN") == 1, sql
    if connection.vendor == "postgresql":
        # No audit INSERT makes a round trip of its own: each rides with the next statement.
        audit_trips = [s for s in sql if "SELECT audit_insert_entry(" in s]
        assert len(audit_trips) == 2, sql
        for trip in audit_trips:
            last_statement = trip.split(";\n")[-1]
            assert not last_statement.startswith("SELECT audit_insert_entry("), trip
    entries = AuditLog.objects.filter(content_type__model="compliancerule", object_id=str(response.json()["id"]))
    assert set(entries.values_list("action", flat=True)) == {"create", "update"}  # the row, then its controls


def test_a_refused_write_is_still_audited(client_as):
    rule = RuleFactory()
    response = client_as(VIEWER).patch(f"/api/v1/rules/{rule.pk}/", {"severity": "critical"}, format="json")
    assert response.status_code == 403
    assert AuditLog.objects.filter(action="permission_denied", message__contains=f"/api/v1/rules/{rule.pk}/").exists()


def test_a_write_through_a_service_is_its_transaction_alone(manager):
    from compliance.tests.factories import FindingFactory

    finding = FindingFactory()
    with CaptureQueriesContext(connection) as queries:
        response = manager.patch(f"/api/v1/findings/{finding.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 200, response.content
    sql = [q["sql"] for q in queries]
    assert sql.count("BEGIN") == 1 and not any("SAVEPOINT" in s for s in sql), sql
