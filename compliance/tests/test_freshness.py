"""A control's derived state (compliance/freshness.py): failing, stale by cadence, stale by
expired evidence, not applicable, passing; and how the API and the explanation show it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.roles import COMPLIANCE_MANAGER
from compliance.evidence import services as evidence_services
from compliance.freshness import state_of, state_summary
from compliance.models import Control

from .factories import ControlFactory, DataSourceFactory, RuleFactory, UserFactory, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def control():
    return ControlFactory()


def add_record_evidence(control, *, days_ago, valid_for_days):
    return evidence_services.add_evidence(
        data={
            "controls": [control.pk],
            "collected_at": timezone.now() - timedelta(days=days_ago),
            "valid_for_days": valid_for_days,
        },
        record={"ok": True},
    )


def test_a_failing_rule_makes_the_control_failing(control):
    rule, source = RuleFactory(framework=control.framework, controls=[control]), DataSourceFactory()
    record(rule, source, "passed")
    assert state_of(control).state == "passing"
    record(rule, source, "failed")
    assert state_of(control).state == "failing"


def test_stale_by_test_cadence(control):
    rule, source = RuleFactory(framework=control.framework, controls=[control]), DataSourceFactory()
    control.test_cadence_hours = 72  # FedRAMP 20x persistent validation, Moderate
    control.save()
    assert state_of(control).state == "stale"  # never evaluated
    record(rule, source, "passed", at=timezone.now() - timedelta(hours=80))
    verdict = state_of(control)
    assert verdict.state == "stale" and "72 h" in verdict.reason
    record(rule, source, "passed", at=timezone.now() - timedelta(hours=1))
    assert state_of(control).state == "passing"
    record(rule, source, "failed")
    assert state_of(control).state == "failing"  # failing wins over stale


def test_stale_when_all_evidence_has_expired(control):
    add_record_evidence(control, days_ago=40, valid_for_days=30)
    assert state_of(control).state == "stale"
    add_record_evidence(control, days_ago=1, valid_for_days=30)
    assert state_of(control).state == "passing"


def test_a_new_version_replaces_the_expired_one(control):
    old = add_record_evidence(control, days_ago=40, valid_for_days=30)
    assert state_of(control).state == "stale"
    evidence_services.add_version(
        evidence=old, data={"collected_at": timezone.now(), "valid_for_days": 30}, record={"ok": "again"}
    )
    assert state_of(control).state == "passing"


def test_not_applicable_needs_a_justification_and_wins(client_as, control):
    manager = client_as(COMPLIANCE_MANAGER)
    url = f"/api/v1/controls/{control.pk}/"
    refused = manager.patch(url, {"implementation_status": "not_applicable"})
    assert refused.status_code == 400 and "not_applicable_justification" in refused.json()
    owner = UserFactory()
    response = manager.patch(
        url,
        {
            "implementation_status": "not_applicable",
            "not_applicable_justification": "No card data is stored.",
            "owner": owner.pk,
            "review_cadence_days": 90,
            "next_review_at": "2027-01-01T00:00:00Z",
            "test_cadence_hours": 72,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "not_applicable" and body["owner"] == owner.pk and body["test_cadence_hours"] == 72
    assert manager.patch(url, {"test_cadence_hours": 0}).status_code == 400
    assert manager.patch(url, {"test_cadence_hours": "often"}).status_code == 400
    assert manager.patch(url, {"owner": 999999}).status_code == 400


def test_api_filter_and_summary_show_stale_apart_from_failing(client_as):
    failing, stale, passing = ControlFactory(), ControlFactory(), ControlFactory()
    rule = RuleFactory(framework=failing.framework, controls=[failing])
    record(rule, DataSourceFactory(), "failed")
    add_record_evidence(stale, days_ago=10, valid_for_days=5)
    manager = client_as(COMPLIANCE_MANAGER)
    listed = manager.get("/api/v1/controls/?state=stale").json()["results"]
    assert [row["id"] for row in listed] == [stale.pk]
    assert manager.get("/api/v1/controls/?state=sometimes").status_code == 400
    summary = state_summary(Control.objects.filter(pk__in=[failing.pk, stale.pk, passing.pk]))
    assert summary["counts"] == {"passing": 1, "failing": 1, "stale": 1, "not_applicable": 0}
    assert [row["control_id"] for row in summary["stale"]] == [stale.pk]
    assert [row["control_id"] for row in summary["failing"]] == [failing.pk]


def test_control_list_query_count_does_not_grow(client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = client_as(COMPLIANCE_MANAGER)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = manager.get("/api/v1/controls/")
        assert response.status_code == 200 and {row["state"] for row in response.json()["results"]} == {"passing"}
        return len(captured)

    for _ in range(3):
        add_record_evidence(ControlFactory(), days_ago=1, valid_for_days=5)
    queries()  # the token's first use writes once; count from the second request on
    few = queries()
    for _ in range(6):
        add_record_evidence(ControlFactory(), days_ago=1, valid_for_days=5)
    assert queries() == few <= 10
