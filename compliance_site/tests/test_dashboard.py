"""Dashboard and performance figures that come from the workflows, integrations and reports
apps (each app's selectors, composed by the site), checked against hand-counted rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.tests.factories import DataSourceFactory, RuleFactory
from compliance.tests.test_analytics import ingest
from compliance_site import dashboard
from integrations.models import Integration, IntegrationLog
from reports.tests.factories import ReportFactory
from workflows.escalation import mark_overdue_and_escalate
from workflows.tests.factories import WorkflowFactory, started_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_apps():
    now = timezone.now()
    late_step = started_workflow(due_at=now + timedelta(days=2)).current_step
    late_step.due_at = now - timedelta(hours=2)
    late_step.save(update_fields=["due_at"])
    mark_overdue_and_escalate(now=now)  # the beat marks its current step overdue
    started_workflow(due_at=now - timedelta(hours=2))  # past its target date, but no step is overdue
    WorkflowFactory()  # a draft is not active
    finished = started_workflow()
    finished.started_at = now - timedelta(hours=10)
    finished.save(update_fields=["started_at"])
    finished.transition_to("completed")

    Integration.objects.create(
        name="snow",
        provider="servicenow",
        integration_type="ticketing",
        health="healthy",
        total_syncs=10,
        successful_syncs=9,
        failed_syncs=1,
    )
    jira = Integration.objects.create(
        name="jira",
        provider="jira",
        integration_type="ticketing",
        health="unhealthy",
        status="error",
        total_syncs=10,
        successful_syncs=5,
        failed_syncs=5,
    )
    for status, duration in (("success", 100), ("partial", 200), ("failed", 300), ("running", None), ("skipped", None)):
        IntegrationLog.objects.create(
            integration=jira, kind="sync", status=status, duration_ms=duration, started_at=now - timedelta(hours=1)
        )
    IntegrationLog.objects.create(integration=jira, kind="test_connection", status="failed", duration_ms=5)

    ReportFactory(status="completed", generation_time_ms=1200)
    ReportFactory(status="completed", generation_time_ms=800)
    ReportFactory(status="failed")
    old = ReportFactory(status="completed", generation_time_ms=99_999)
    old.created_at = now - timedelta(days=40)
    old.save(update_fields=["created_at"])


@pytest.fixture
def auditor(db):
    from common.roles import AUDITOR
    from compliance.tests.factories import UserFactory

    return UserFactory(username="dashboard-auditor", roles=[AUDITOR])


def test_dashboard_counts_workflows_integrations_and_reports(other_apps, auditor):
    stats = dashboard.dashboard_stats(user=auditor)
    assert (stats["workflows"]["active"], stats["workflows"]["overdue"]) == (2, 1)
    integrations = stats["integrations"]
    assert integrations["total"] == 2
    assert integrations["by_health"] == {"healthy": 1, "unhealthy": 1}
    assert integrations["sync_success_rate"] == 70.0  # 14 of 20 syncs
    assert integrations["sync_success_rate"] == Integration(successful_syncs=14, failed_syncs=6).success_rate
    reports = stats["reports_last_30_days"]
    assert (reports["total"], reports["by_status"]) == (3, {"completed": 2, "failed": 1})
    assert len(reports["latest"]) == 3


def test_overdue_workflows_are_the_ones_the_workflow_api_calls_overdue(other_apps, client_as):
    from common.roles import AUDITOR

    client = client_as(AUDITOR)
    listed = client.get("/api/v1/workflows/?overdue=true").json()
    assert dashboard.dashboard_stats(user=client.user)["workflows"]["overdue"] == listed["count"] == 1


def test_performance_metrics(other_apps, auditor):
    rule, source = RuleFactory(), DataSourceFactory()
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    ingest(
        (rule, source, "passed", today, None, 100),
        (rule, source, "failed", today, None, 201),
        (rule, source, "passed", today - timedelta(days=1), None, None),
    )
    metrics = dashboard.performance_metrics(user=auditor, days=7)
    assert metrics["evaluations_total"] == 3
    assert metrics["avg_duration_ms"] == 150.5
    assert metrics["avg_evaluations_per_day"] == round(3 / 7, 1)
    assert [row["evaluations"] for row in metrics["evaluations_per_day"][-2:]] == [1, 2]
    assert metrics["evaluations_per_day"][-1]["avg_duration_ms"] == 150.5
    # a partial run succeeded, as Integration.success_rate counts it; running and skipped are not finished
    assert metrics["syncs"] == {"available": True, "runs": 3, "success_rate": 66.7, "avg_duration_ms": 200.0}
    assert metrics["report_generation"] == {
        "available": True,
        "completed": 2,
        "avg_generation_ms": 1000.0,
        "max_generation_ms": 1200,
    }
    assert metrics["workflow_cycle"]["completed"] == 1
    assert metrics["workflow_cycle"]["avg_cycle_hours"] == 10.0


def test_performance_endpoint_equals_the_service(client_as, other_apps):
    from common.roles import VIEWER

    viewer = client_as(VIEWER)
    body = viewer.get("/api/v1/analytics/performance/?days=14").json()
    expected = dashboard.performance_metrics(user=viewer.user, days=14)
    assert body["syncs"] == expected["syncs"] and body["workflow_cycle"] == expected["workflow_cycle"]
    assert len(body["evaluations_per_day"]) == 14


def test_a_report_counts_overdue_workflows_as_the_workflow_api_does(other_apps, client_as):
    """The workflow_status section (registered by the site) uses workflows' own "overdue"."""
    from common.roles import AUDITOR
    from reports.scope import ReportScope
    from reports.sections import generate_section

    started_workflow(due_at=timezone.now() - timedelta(days=1))  # past its target date only: not overdue
    result = generate_section(ReportScope(), {"key": "wf", "title": "Workflows", "kind": "workflow_status"})
    figures = dict(result.figures)
    listed = client_as(AUDITOR).get("/api/v1/workflows/?overdue=true").json()
    assert figures["Overdue"] == listed["count"] == 1
    assert figures["Workflows"] == client_as(AUDITOR).get("/api/v1/workflows/").json()["count"]
    assert result.intro != "Workflow tracking is not installed."
