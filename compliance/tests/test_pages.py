"""Dashboard pages through Django's test client: access control, figures, filters, links."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.roles import VIEWER
from compliance import analytics

from .factories import (
    ControlFactory,
    DataSourceFactory,
    FindingFactory,
    FrameworkFactory,
    RuleFactory,
    UserFactory,
    record,
)

pytestmark = pytest.mark.django_db

PAGES = ["/dashboard/", "/dashboard/findings/"]


@pytest.fixture
def data():
    framework = FrameworkFactory(code="soc2", name="SOC 2")
    family = ControlFactory(framework=framework, ref_id="CC6", is_group=True)
    covered = ControlFactory(framework=framework, ref_id="CC6.1", parent=family)
    ControlFactory(framework=framework, ref_id="CC6.2", parent=family)  # no rule: not covered
    rule = RuleFactory(framework=framework, severity="high", name="MFA enforced", controls=[covered])
    sources = [DataSourceFactory(name=f"aws-{i}") for i in range(3)]
    record(rule, sources[0], "passed")
    record(rule, sources[1], "failed")
    record(rule, sources[2], "passed")
    FindingFactory(rule=RuleFactory(framework=framework, severity="critical", name="Disk encryption"))
    return {"framework": framework, "rule": rule}


@pytest.fixture
def viewer_client(client, role_user):
    client.force_login(role_user(VIEWER))
    return client


def detail_pages(data):
    return [f"/dashboard/frameworks/{data['framework'].code}/", f"/dashboard/rules/{data['rule'].pk}/"]


def metric(html, name):
    return re.search(rf'data-metric="{name}">([^<]*)<', html).group(1).strip()


def test_pages_require_login(client, data):
    for url in PAGES + detail_pages(data):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/dashboard/login/?next=")


def test_pages_refuse_a_user_without_a_role(client, data):
    client.force_login(UserFactory(username="no-role"))
    for url in PAGES + detail_pages(data):
        assert client.get(url).status_code == 403


def test_sign_in_page_logs_in_and_lands_on_the_dashboard(client, role_user, data):
    role_user(VIEWER)
    response = client.post("/dashboard/login/", {"username": "role-viewer", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    client.logout()
    bad = client.post("/dashboard/login/", {"username": "role-viewer", "password": "wrong"})
    assert bad.status_code == 200 and "did not match" in bad.content.decode()


def test_overview_shows_the_service_numbers(viewer_client, data):
    html = viewer_client.get("/dashboard/").content.decode()
    stats = analytics.compliance_stats()
    # high rule: 2 of 3 sources pass (6 of 9); critical rule fails (0 of 5): 6 / 14
    assert metric(html, "overall_score") == str(stats["overall_score"]) == "42.9"
    assert metric(html, "open_findings") == str(stats["totals"]["open_findings"]) == "2"
    assert 'data-severity="critical">1<' in html and 'data-severity="high">1<' in html
    assert metric(html, "evaluations_24h") == "4"
    assert html.count("<svg") == 2
    assert f"/admin/compliance/framework/{data['framework'].pk}/change/" in html


def test_framework_page_shows_coverage_and_control_status(viewer_client, data):
    html = viewer_client.get(f"/dashboard/frameworks/{data['framework'].code}/").content.decode()
    assert metric(html, "framework_score") == "42.9"
    assert (metric(html, "covered"), metric(html, "testable"), metric(html, "coverage_percent")) == ("1", "2", "50.0%")
    cc61 = re.search(r'data-control="CC6.1">(.*?)</tr>', html, re.S).group(1)
    assert "Failing" in cc61 and "66.7" in cc61
    assert "Notcovered" in re.search(r'data-control="CC6.2">(.*?)</tr>', html, re.S).group(1)
    assert viewer_client.get("/dashboard/frameworks/unknown/").status_code == 404


def test_rule_page(viewer_client, data):
    html = viewer_client.get(f"/dashboard/rules/{data['rule'].pk}/").content.decode()
    assert (metric(html, "rule_score"), metric(html, "passed"), metric(html, "failed")) == ("66.7", "2", "1")
    assert html.count("/admin/compliance/datasource/") == 3
    assert viewer_client.get("/dashboard/rules/999999/").status_code == 404


def test_findings_page_uses_the_api_filterset(viewer_client, data):
    html = viewer_client.get("/dashboard/findings/?severity=critical").content.decode()
    assert metric(html, "findings_count") == "1" and "Disk encryption" in html
    assert metric(viewer_client.get("/dashboard/findings/?framework=soc2").content.decode(), "findings_count") == "2"
    bad = viewer_client.get("/dashboard/findings/?severity=apocalyptic")
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    assert viewer_client.get("/dashboard/findings/?framework=nope").status_code == 400
    assert viewer_client.get("/dashboard/findings/?page=999").status_code == 200  # last page, not a crash


def test_admin_index_links_to_the_dashboard(client, data):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    assert 'href="/dashboard/"' in client.get("/admin/").content.decode()


@pytest.mark.parametrize("page", ["overview", "findings", "framework", "rule"])
def test_page_query_count_does_not_grow_with_data(viewer_client, data, page):
    url = {
        "overview": "/dashboard/",
        "findings": "/dashboard/findings/",
        "framework": f"/dashboard/frameworks/{data['framework'].code}/",
        "rule": f"/dashboard/rules/{data['rule'].pk}/",
    }[page]

    def count():
        with CaptureQueriesContext(connection) as context:
            assert viewer_client.get(url).status_code == 200
        return len(context)

    count()  # the first request also fills the permission cache
    before = count()
    for i in range(4):
        control = ControlFactory(framework=data["framework"], ref_id=f"X{i}")
        rule = RuleFactory(framework=data["framework"], controls=[control])
        record(rule, DataSourceFactory(), "failed")
        record(data["rule"], DataSourceFactory(), "failed")
    assert count() == before


def test_audit_activity_only_for_roles_that_may_read_the_audit_log(client, role_user, data):
    from common.roles import AUDITOR

    client.force_login(role_user(VIEWER))
    assert "Recent audit activity" not in client.get("/dashboard/").content.decode()
    assert "Audit history" not in client.get(f"/dashboard/rules/{data['rule'].pk}/").content.decode()
    client.force_login(role_user(AUDITOR))
    assert "Recent audit activity" in client.get("/dashboard/").content.decode()
    assert "Audit history" in client.get(f"/dashboard/rules/{data['rule'].pk}/").content.decode()


@pytest.mark.parametrize(
    "name,key",
    [
        ("dashboard:rule", 1),
        ("dashboard:rule", 9876543210),
        ("dashboard:framework", "soc2"),
        ("dashboard:framework", "pci_dss"),
        ("admin:compliance_finding_change", 42),
        ("admin:audit_auditlog_change", "17"),
        ("dashboard:framework", "nist-csf_2"),
        ("admin:compliance_finding_change", 0),
    ],
)
def test_row_links_equal_reverse(name, key):
    from django.urls import reverse

    from compliance.templatetags.dashboard_links import link

    assert link(name, key) == reverse(name, args=[key])


def test_a_key_the_converter_refuses_is_refused_as_by_reverse():
    from django.urls import NoReverseMatch

    from compliance.templatetags.dashboard_links import link

    with pytest.raises(NoReverseMatch):
        link("dashboard:rule", "abc")
    with pytest.raises(NoReverseMatch):
        link("dashboard:rule", -1)
