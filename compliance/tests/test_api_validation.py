"""Bad input gets a clear 4xx naming the problem, and nothing is written."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from common.roles import AUDITOR, COMPLIANCE_MANAGER
from compliance.models import ComplianceRule, Finding, RuleEvaluation

from .factories import ControlFactory, DataSourceFactory, FrameworkFactory, RuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client_as):
    return client_as(COMPLIANCE_MANAGER)


def rows_for(rule, source, n, status="failed"):
    now = timezone.now()
    return [
        {
            "rule": rule.pk,
            "data_source": source.pk,
            "status": status,
            "evaluated_at": (now - timedelta(seconds=n - i)).isoformat(),
        }
        for i in range(n)
    ]


def test_bulk_ingest_success_counts(manager):
    rule, source = RuleFactory(), DataSourceFactory()
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": rows_for(rule, source, 5)}, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"evaluations": 5, "findings_opened": 1, "findings_reopened": 0, "findings_resolved": 0}


def test_bulk_accepts_a_bare_list(manager):
    rule, source = RuleFactory(), DataSourceFactory()
    response = manager.post("/api/v1/evaluations/bulk/", rows_for(rule, source, 2), format="json")
    assert response.status_code == 201


def test_bulk_is_all_or_nothing_and_names_bad_rows(manager):
    rule, source = RuleFactory(), DataSourceFactory()
    rows = rows_for(rule, source, 4)
    rows[2]["status"] = "sideways"
    rows[3]["data_source"] = 424242
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": rows}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert [r["index"] for r in body["rows"]] == [2, 3]
    assert "status" in body["rows"][0]["errors"]
    assert "424242" in body["rows"][1]["errors"]["data_source"][0]
    assert "nothing was saved" in body["detail"]
    assert RuleEvaluation.objects.count() == 0 and Finding.objects.count() == 0


def test_bulk_details_over_64_kib_name_their_row_and_store_what_fits(manager):
    """The limit counts UTF-8 bytes of the details' JSON; a row just under it is stored as
    sent, non-ASCII text included."""
    from compliance.evaluations.rows import MAX_DETAILS_BYTES

    rule, source = RuleFactory(), DataSourceFactory()
    rows = rows_for(rule, source, 2)
    rows[0]["details"] = {"note": "é" * ((MAX_DETAILS_BYTES - 20) // 2)}
    rows[1]["details"] = {"note": "x" * MAX_DETAILS_BYTES}
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": rows}, format="json")
    assert response.status_code == 400
    assert [(r["index"], list(r["errors"])) for r in response.json()["rows"]] == [(1, ["details"])]
    assert "nothing was saved" in response.json()["detail"]
    assert not RuleEvaluation.objects.exists()
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": rows[:1]}, format="json")
    assert response.status_code == 201, response.content
    assert RuleEvaluation.objects.get().details == rows[0]["details"]


def test_bulk_over_the_limit_is_refused_before_any_work(manager, settings):
    settings.BULK_EVALUATION_MAX_ROWS = 10
    rule, source = RuleFactory(), DataSourceFactory()
    response = manager.post("/api/v1/evaluations/bulk/", rows_for(rule, source, 11), format="json")
    assert response.status_code == 400
    assert "At most 10" in response.json()["evaluations"][0]
    assert RuleEvaluation.objects.count() == 0


def test_bulk_of_10000_rows_is_accepted(manager):
    rule, sources = RuleFactory(), [DataSourceFactory() for _ in range(10)]
    now = timezone.now()
    rows = [
        {
            "rule": rule.pk,
            "data_source": sources[i % 10].pk,
            "status": "passed" if i % 2 else "failed",
            "evaluated_at": (now - timedelta(seconds=10_000 - i)).isoformat(),
        }
        for i in range(10_000)
    ]
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": rows}, format="json")
    assert response.status_code == 201, response.content[:500]
    assert RuleEvaluation.objects.count() == 10_000


@pytest.mark.parametrize("body", ["{not json", "[1, 2", "\x00\x01"])
def test_bulk_malformed_json(manager, body):
    response = manager.post("/api/v1/evaluations/bulk/", body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("body", [{"evaluations": "x"}, {"evaluations": {"a": 1}}, 42, {"nothing": []}])
def test_bulk_wrong_shapes(manager, body):
    response = manager.post("/api/v1/evaluations/bulk/", body, format="json")
    assert response.status_code == 400
    assert "evaluations" in response.json() or "detail" in response.json()


def test_bulk_empty_list(manager):
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": []}, format="json")
    assert response.status_code == 400


def test_oversized_body_is_413_not_500(manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    rule, source = RuleFactory(), DataSourceFactory()
    response = manager.post("/api/v1/evaluations/bulk/", rows_for(rule, source, 100), format="json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_bulk_denied_for_auditor(client_as):
    rule, source = RuleFactory(), DataSourceFactory()
    response = client_as(AUDITOR).post("/api/v1/evaluations/bulk/", rows_for(rule, source, 1), format="json")
    assert response.status_code == 403
    assert RuleEvaluation.objects.count() == 0


def test_rule_with_unknown_framework_and_foreign_controls(manager):
    response = manager.post("/api/v1/rules/", {"name": "x", "framework": "nope", "severity": "low"}, format="json")
    assert response.status_code == 400 and "framework" in response.json()
    other = ControlFactory()
    framework = FrameworkFactory()
    response = manager.post(
        "/api/v1/rules/", {"name": "x", "framework": framework.code, "controls": [other.pk]}, format="json"
    )
    assert response.status_code == 400 and other.ref_id in response.json()["controls"][0]
    response = manager.post(
        "/api/v1/rules/", {"name": "x", "framework": framework.code, "controls": [987654]}, format="json"
    )
    assert response.status_code == 400 and "controls" in response.json()
    assert not ComplianceRule.objects.exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"tags": "not-a-list"}, "tags"),
        ({"tags": [1, 2]}, "tags"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"name": "x" * 500}, "name"),
    ],
)
def test_rule_field_validation(manager, payload, field):
    framework = FrameworkFactory()
    data = {"name": "valid", "framework": framework.code, **payload}
    response = manager.post("/api/v1/rules/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "query,field",
    [
        ("severity=apocalyptic", "severity"),
        ("framework=does-not-exist", "framework"),
        ("is_active=perhaps", "is_active"),
        ("created_after=yesterday", "created_after"),
    ],
)
def test_unknown_filter_values_are_400(manager, query, field):
    response = manager.get(f"/api/v1/rules/?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("size", ["0", "501", "100000000000", "ten", "-1"])
def test_bad_page_sizes_are_400(manager, size):
    response = manager.get(f"/api/v1/rules/?page_size={size}")
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_filters_and_search(manager):
    framework = FrameworkFactory(code="soc2")
    RuleFactory(framework=framework, name="Encrypt disks", severity="high")
    RuleFactory(name="Rotate keys", severity="low")
    body = manager.get("/api/v1/rules/?framework=soc2&severity=high").json()
    assert [r["name"] for r in body["results"]] == ["Encrypt disks"]
    body = manager.get("/api/v1/rules/?search=rotate").json()
    assert [r["name"] for r in body["results"]] == ["Rotate keys"]
    body = manager.get("/api/v1/rules/?ordering=-name").json()
    assert [r["name"] for r in body["results"]] == ["Rotate keys", "Encrypt disks"]


def test_framework_controls_endpoint(manager):
    framework = FrameworkFactory(code="iso27001")
    ControlFactory(framework=framework, ref_id="A.5.1")
    ControlFactory()  # another framework's
    body = manager.get("/api/v1/frameworks/iso27001/controls/").json()
    assert [c["ref_id"] for c in body["results"]] == ["A.5.1"]
    assert manager.get("/api/v1/frameworks/nope/controls/").status_code == 404


def test_deleting_a_framework_in_use_is_409(client_as):
    rule = RuleFactory()
    response = client_as(COMPLIANCE_MANAGER).delete(f"/api/v1/frameworks/{rule.framework.code}/")
    assert response.status_code == 409
    assert "rules" in response.json()["detail"].lower()


def test_finding_patch_cannot_change_evidence_fields(manager):
    from .factories import FindingFactory

    finding = FindingFactory()
    response = manager.patch(
        f"/api/v1/findings/{finding.pk}/", {"severity": "low", "status": "nonsense"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
    response = manager.patch(
        f"/api/v1/findings/{finding.pk}/", {"status": "resolved", "severity": "low"}, format="json"
    )
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.status == "resolved" and finding.resolved_at is not None
    assert finding.severity == "medium"  # read-only: comes from the rule


def test_request_id_is_echoed_or_minted(manager):
    response = manager.get("/api/v1/rules/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    minted = manager.get("/api/v1/rules/")["X-Request-ID"]
    assert len(minted) == 32
    hostile = manager.get("/api/v1/rules/", HTTP_X_REQUEST_ID="x\r\ninjected: yes" + "y" * 100)["X-Request-ID"]
    assert "injected" not in hostile


def test_token_endpoint():
    UserFactory(username="tok", roles=[AUDITOR])
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "tok", "password": "correct-horse-battery"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/rules/").status_code == 200
    bad = APIClient().post("/api/v1/auth/token/", {"username": "tok", "password": "wrong"}, format="json")
    assert bad.status_code == 400
    assert "token" not in bad.json()


def test_session_writes_need_csrf():
    user = UserFactory(username="sess", roles=[COMPLIANCE_MANAGER])
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/rules/").status_code == 200
    framework = FrameworkFactory()
    response = client.post(
        "/api/v1/rules/", json.dumps({"name": "x", "framework": framework.code}), content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize(
    "stamp", ["2026-01-31T12:61:00Z", "2026-13-01T00:00:00Z", "2026-02-30T10:00:00Z", "2026-01-31T25:00:00+00:00"]
)
def test_a_timestamp_with_a_field_out_of_range_is_a_400_naming_the_row(manager, stamp):
    """Django's parse_datetime raises for these instead of returning None; that was a 500."""
    rule, source = RuleFactory(), DataSourceFactory()
    rows = rows_for(rule, source, 3)
    rows[1]["evaluated_at"] = stamp
    response = manager.post("/api/v1/evaluations/bulk/", {"evaluations": rows}, format="json")
    assert response.status_code == 400, response.content
    assert [row["index"] for row in response.json()["rows"]] == [1]
    assert "evaluated_at" in response.json()["rows"][0]["errors"]
    single = manager.post("/api/v1/evaluations/", {**rows[1]}, format="json")
    assert single.status_code == 400 and "evaluated_at" in str(single.json())
    assert RuleEvaluation.objects.count() == 0
