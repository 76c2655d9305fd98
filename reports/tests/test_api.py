"""Declared API tests for report templates, reports and schedules, plus bad input."""

import pytest

from audit.testing import AuditedResourceTests
from common.roles import AUDITOR, COMPLIANCE_MANAGER
from compliance.tests.factories import DataSourceFactory, FrameworkFactory, RuleFactory
from reports.models import Report, ReportSchedule, ReportTemplate

from .factories import ReportFactory, ReportScheduleFactory, ReportTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db

SECTIONS = [
    {"key": "summary", "title": "Summary", "kind": "executive_summary", "params": {}},
    {"key": "findings", "title": "", "kind": "findings", "params": {"max_rows": 20}},
]


class TestReportTemplateAPI(AuditedResourceTests):
    base_url = "/api/v1/report-templates/"
    model = ReportTemplate
    update_data = {"name": "Renamed template", "default_format": "html"}

    def make(self):
        return ReportTemplateFactory()

    def create_data(self):
        return {
            "name": "Quarterly SOC 2",
            "slug": "quarterly-soc2",
            "report_type": "compliance_status",
            "framework": FrameworkFactory(code="soc2").code,
            "sections": SECTIONS,
            "parameters": {"period_days": {"type": "integer", "default": 90, "min": 1, "max": 365}},
            "default_format": "pdf",
        }


class TestReportAPI(AuditedResourceTests):
    base_url = "/api/v1/reports/"
    model = Report
    update_data = {"name": "Renamed report", "access_level": "confidential", "tags": ["board", "q3"]}
    max_list_queries = 9  # token, roles, 2× permissions, count, page, three prefetches

    def make(self):
        report = ReportFactory(access_level="internal")
        report.rules.set([RuleFactory()])
        report.data_sources.set([DataSourceFactory()])
        return report

    def create_data(self):
        return {
            "name": "Board pack",
            "report_type": "executive_summary",
            "file_format": "pdf",
            "access_level": "internal",
            "rules": [RuleFactory().pk],
            "data_sources": [DataSourceFactory().pk],
            "parameters": {"period_days": 90},
            "tags": ["board"],
        }


class TestReportScheduleAPI(AuditedResourceTests):
    base_url = "/api/v1/report-schedules/"
    model = ReportSchedule
    update_data = {"cron": "30 7 * * 1-5", "timezone": "Europe/Berlin", "recipients": ["ciso@example.com"]}

    def make(self):
        return ReportScheduleFactory(next_run_at=None)

    def create_data(self):
        # A confidential report goes only to people who may read it (reports/recipients.py).
        UserFactory(username="ciso", email="ciso@example.com", roles=[COMPLIANCE_MANAGER])
        return {
            "template": ReportTemplateFactory().pk,
            "name": "Weekly status",
            "cron": "0 6 * * 1",
            "timezone": "America/New_York",
            "parameters": {"period_days": 7},
            "file_format": "pdf",
            "recipients": ["ciso@example.com"],
            "access_level": "confidential",
        }


def test_created_report_has_defaults_filled_and_creator(client_as):
    client = client_as(COMPLIANCE_MANAGER)
    response = client.post("/api/v1/reports/", TestReportAPI().create_data(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["created_by"] == client.user.username
    assert body["parameters"] == {"period_days": 90, "include_passed": False, "max_rows": 500}
    assert body["file_url"] is None and body["progress"]["label"] == ""


def test_unknown_rule_and_data_source_ids_are_named(client_as):
    rule = RuleFactory()
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/reports/",
        {"name": "x", "report_type": "compliance_status", "rules": [rule.pk, 987654, 987655], "data_sources": [876543]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "987654" in body["rules"][0] and "987655" in body["rules"][0] and str(rule.pk) not in body["rules"][0]
    assert "876543" in body["data_sources"][0]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "parameters, needle",
    [
        ({"period_days": "thirty"}, "period_days: expected an integer"),
        ({"period_days": 0}, "period_days: must be at least 1"),
        ({"include_passed": "yes"}, "include_passed: expected a boolean"),
        ({"colour": "blue"}, "colour: unknown parameter"),
        ([1, 2], "Expected an object"),
    ],
)
def test_parameters_must_match_declared_types(client_as, parameters, needle):
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/reports/", {"name": "x", "report_type": "compliance_status", "parameters": parameters}, format="json"
    )
    assert response.status_code == 400
    assert any(needle in message for message in response.json()["parameters"]), response.json()


def test_template_parameters_are_enforced(client_as):
    template = ReportTemplateFactory(parameters={"region": {"type": "string", "default": "eu"}})
    client = client_as(COMPLIANCE_MANAGER)
    bad = client.post(
        "/api/v1/reports/",
        {"name": "x", "report_type": "compliance_status", "template": template.pk, "parameters": {"region": 5}},
        format="json",
    )
    assert bad.status_code == 400 and "region: expected a string" in bad.json()["parameters"][0]
    good = client.post(
        "/api/v1/reports/",
        {"name": "x", "report_type": "compliance_status", "template": template.pk, "parameters": {"region": "us"}},
        format="json",
    )
    assert good.status_code == 201 and good.json()["parameters"]["region"] == "us"


def test_template_of_another_report_type_is_refused(client_as):
    template = ReportTemplateFactory(report_type="audit_trail")
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/reports/", {"name": "x", "report_type": "compliance_status", "template": template.pk}, format="json"
    )
    assert response.status_code == 400 and "template" in response.json()


@pytest.mark.parametrize("field, value", [("file_format", "docx"), ("report_type", "poem"), ("access_level", "secret")])
def test_unknown_choices_are_refused(client_as, field, value):
    data = {"name": "x", "report_type": "compliance_status", field: value}
    response = client_as(COMPLIANCE_MANAGER).post("/api/v1/reports/", data, format="json")
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("query", ["status=finished", "report_type=poem", "access_level=secret", "file_format=docx"])
def test_unknown_filter_values_are_400(client_as, query):
    assert client_as(AUDITOR).get(f"/api/v1/reports/?{query}").status_code == 400


def test_oversized_scope_is_refused(client_as):
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/reports/",
        {"name": "x", "report_type": "compliance_status", "rules": list(range(1, 5003))},
        format="json",
    )
    assert response.status_code == 400 and "rules" in response.json()


@pytest.mark.parametrize(
    "sections, needle",
    [
        ([], "non-empty"),
        ([{"key": "a", "kind": "poetry"}], "kind"),
        ([{"key": "a", "kind": "findings"}, {"key": "a", "kind": "findings"}], "duplicate"),
        ("findings", "non-empty list"),
    ],
)
def test_template_sections_are_validated(client_as, sections, needle):
    data = {**TestReportTemplateAPI().create_data(), "sections": sections}
    response = client_as(COMPLIANCE_MANAGER).post("/api/v1/report-templates/", data, format="json")
    assert response.status_code == 400
    assert needle in str(response.json()["sections"])


def test_template_parameter_declarations_are_validated(client_as):
    data = {
        **TestReportTemplateAPI().create_data(),
        "parameters": {"period_days": {"type": "integer", "default": "ninety"}, "x": {"type": "colour"}},
    }
    response = client_as(COMPLIANCE_MANAGER).post("/api/v1/report-templates/", data, format="json")
    assert response.status_code == 400
    assert "default of period_days" in str(response.json()) and "x: type must be" in str(response.json())


def test_builtin_template_cannot_be_deleted(client_as):
    template = ReportTemplateFactory(is_builtin=True)
    assert client_as(COMPLIANCE_MANAGER).delete(f"/api/v1/report-templates/{template.pk}/").status_code == 409
    assert ReportTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("cron", "61 * * * *"),
        ("cron", "every monday"),
        ("cron", "* * * * * *"),
        ("timezone", "Mars/Olympus"),
        ("recipients", ["not-an-email"]),
        ("parameters", {"period_days": -1}),
    ],
)
def test_schedule_bad_input_is_named(client_as, field, value):
    data = {**TestReportScheduleAPI().create_data(), field: value}
    response = client_as(COMPLIANCE_MANAGER).post("/api/v1/report-schedules/", data, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ReportSchedule.objects.exists()


def test_schedule_gets_its_next_run_in_its_time_zone(client_as):
    response = client_as(COMPLIANCE_MANAGER).post(
        "/api/v1/report-schedules/",
        {**TestReportScheduleAPI().create_data(), "cron": "0 6 * * *", "timezone": "Asia/Tokyo"},
        format="json",
    )
    assert response.status_code == 201, response.content
    next_run = response.json()["next_run_at"]
    assert next_run.endswith("T21:00:00Z")  # 06:00 in Tokyo is 21:00 UTC the day before
