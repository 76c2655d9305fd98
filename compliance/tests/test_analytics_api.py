"""The analytics endpoints: same numbers as the service, 400 for bad input, 401/403, and
query counts that do not grow with the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.roles import AUDITOR, VIEWER
from compliance import analytics

from .factories import DataSourceFactory, FindingFactory, FrameworkFactory, RuleFactory, UserFactory, record

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/analytics/dashboard/",
    "/api/v1/analytics/trends/",
    "/api/v1/analytics/framework-distribution/",
    "/api/v1/analytics/performance/",
    "/api/v1/analytics/score-as-of/?date=2026-01-01",
    "/api/v1/analytics/regressions/?start=2026-01-01&end=2026-01-02",
    "/api/v1/analytics/score-explanation/",
]


@pytest.fixture
def seeded():
    frameworks = [FrameworkFactory(code=f"f{i}") for i in range(3)]
    sources = [DataSourceFactory() for _ in range(3)]
    rules = []
    now = timezone.now()
    # Halfway through today (UTC) so far: "offset days ago" never crosses midnight, which
    # `now - 1 hour` did between 00:00 and 01:00.
    today = now - (now - now.replace(hour=0, minute=0, second=0, microsecond=0)) / 2
    for index, framework in enumerate(frameworks):
        for severity in ("low", "critical"):
            rule = RuleFactory(framework=framework, severity=severity)
            rules.append(rule)
            for offset, source in enumerate(sources):
                record(
                    rule,
                    source,
                    "failed" if (index + offset) % 2 else "passed",
                    at=today - timedelta(days=offset),
                    score=50.0 + offset,
                )
    return {"frameworks": frameworks, "sources": sources, "rules": rules}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_gets_401(api_client, url):
    assert api_client.get(url).status_code == 401


@pytest.mark.parametrize("url", ENDPOINTS)
def test_user_without_a_role_gets_403(api_client, url):
    api_client.force_authenticate(UserFactory(username="nobody"))
    assert api_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_read_role_may_read(client_as, url, seeded):
    assert client_as(VIEWER).get(url).status_code == 200


def test_trends_equal_the_service(client_as, seeded):
    client = client_as(AUDITOR)
    assert client.get("/api/v1/analytics/trends/?days=7").json() == analytics.trend(days=7)
    framework = seeded["frameworks"][1]
    body = client.get(f"/api/v1/analytics/trends/?days=5&framework={framework.code}").json()
    assert body == analytics.trend(days=5, framework=framework)
    assert sum(row["evaluations"] for row in body) == 6
    source = seeded["sources"][2]
    body = client.get(f"/api/v1/analytics/trends/?days=30&data_source={source.pk}").json()
    assert body == analytics.trend(days=30, data_source=source)
    assert len(body) == 30 and set(body[0]) == {"date", "evaluations", "passed", "failed", "pass_rate", "avg_score"}


def test_rule_trends_action(client_as, seeded):
    rule = seeded["rules"][0]
    client = client_as(VIEWER)
    body = client.get(f"/api/v1/rules/{rule.pk}/trends/?days=3").json()
    assert body == analytics.trend(days=3, rule=rule)
    assert [row["evaluations"] for row in body] == [1, 1, 1]
    assert len(client.get(f"/api/v1/rules/{rule.pk}/trends/").json()) == 30
    assert client.get("/api/v1/rules/999999/trends/").status_code == 404
    assert client.get(f"/api/v1/rules/{rule.pk}/trends/?days=0").status_code == 400


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("days=0", "days"),
        ("days=731", "days"),
        ("days=abc", "days"),
        ("days=1.5", "days"),
        ("framework=nope", "framework"),
        ("rule=999999", "rule"),
        ("rule=abc", "rule"),
        ("data_source=-1", "data_source"),
        ("days=" + "9" * 5000, "days"),
    ],
)
def test_trends_bad_query_is_400_naming_the_parameter(client_as, query, field):
    response = client_as(VIEWER).get(f"/api/v1/analytics/trends/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_trends_two_scopes_is_400(client_as, seeded):
    rule, framework = seeded["rules"][0], seeded["frameworks"][0]
    response = client_as(VIEWER).get(f"/api/v1/analytics/trends/?framework={framework.code}&rule={rule.pk}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/analytics/score-as-of/",
        "/api/v1/analytics/score-as-of/?date=yesterday",
        "/api/v1/analytics/regressions/?start=2026-01-02&end=2026-01-01",
        "/api/v1/analytics/regressions/?start=2026-01-01",
        "/api/v1/analytics/score-explanation/?limit=0",
        "/api/v1/analytics/performance/?days=999",
        "/api/v1/analytics/score-explanation/?framework=nope",
    ],
)
def test_other_endpoints_refuse_bad_queries(client_as, url):
    assert client_as(VIEWER).get(url).status_code == 400


def test_writes_are_not_allowed(client_as):
    response = client_as(AUDITOR).post("/api/v1/analytics/trends/", {}, format="json")
    assert response.status_code in (403, 405)


def test_dashboard_equals_the_service_and_the_score(client_as, seeded):
    FindingFactory(rule=RuleFactory(severity="high"))
    body = client_as(VIEWER).get("/api/v1/analytics/dashboard/").json()
    stats = analytics.compliance_stats()
    assert body["overall_score"] == stats["overall_score"] is not None
    assert body["open_findings_by_severity"] == stats["open_findings_by_severity"]
    assert body["totals"]["evaluations"] == 19
    assert body["evaluations"]["last_7_days"] == 19
    assert body["totals"]["open_findings"] == sum(body["open_findings_by_severity"].values())
    assert {row["framework"]: row["score"] for row in body["frameworks"]} == {
        row["framework"]: row["score"] for row in analytics.framework_distribution()
    }
    for key in ("workflows", "integrations", "reports_last_30_days", "finding_age"):
        assert key in body


def test_distribution_and_explanation_match_the_service(client_as, seeded):
    client = client_as(VIEWER)
    assert client.get("/api/v1/analytics/framework-distribution/").json() == analytics.framework_distribution()
    assert client.get("/api/v1/analytics/score-explanation/?limit=3").json() == analytics.score_explanation(limit=3)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/analytics/dashboard/",
        "/api/v1/analytics/trends/?days=365",
        "/api/v1/analytics/trends/?days=365&framework=f0",
        "/api/v1/analytics/framework-distribution/",
        "/api/v1/analytics/score-explanation/",
        "/api/v1/analytics/performance/?days=90",
    ],
)
def test_query_count_does_not_grow_with_data(client_as, seeded, url):
    client = client_as(VIEWER)
    _queries(client, url)  # the first request also fills the permission cache
    before = _queries(client, url)
    framework = FrameworkFactory(code="extra")
    for severity in ("low", "medium", "high"):
        rule = RuleFactory(framework=framework, severity=severity)
        for source in seeded["sources"]:
            record(rule, source, "failed")
    assert _queries(client, url) == before
