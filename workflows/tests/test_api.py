"""Declared API tests for the workflow resources, plus the rules particular to them."""

import pytest

from audit.testing import AuditedResourceTests
from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from workflows import models

from .factories import (
    STANDARD_STEPS,
    WorkflowFactory,
    WorkflowTemplateFactory,
    WorkflowTriggerFactory,
    started_workflow,
)


class TestWorkflowTemplateAPI(AuditedResourceTests):
    base_url = "/api/v1/workflow-templates/"
    model = models.WorkflowTemplate
    update_data = {"name": "Renamed template", "escalation_grace_hours": 8}

    def make(self):
        return WorkflowTemplateFactory()

    def create_data(self):
        return {"name": "Vendor review", "slug": "vendor-review", "workflow_type": "review", "steps": STANDARD_STEPS}


class TestWorkflowAPI(AuditedResourceTests):
    base_url = "/api/v1/workflows/"
    model = models.Workflow
    update_data = {"name": "Renamed workflow", "priority": "high", "variables": {"severity": "low"}}

    def make(self):
        return started_workflow()

    def create_data(self):
        return {
            "name": "Fix S3 encryption",
            "template": WorkflowTemplateFactory().slug,
            "priority": "critical",
            "variables": {"severity": "high", "score": 40},
        }


class TestWorkflowTriggerAPI(AuditedResourceTests):
    base_url = "/api/v1/workflow-triggers/"
    model = models.WorkflowTrigger
    update_data = {"min_severity": "high", "tags": ["iam"]}

    def make(self):
        return WorkflowTriggerFactory()

    def create_data(self):
        return {
            "name": "Remediate critical",
            "event": "finding_opened",
            "template": WorkflowTemplateFactory().slug,
            "min_severity": "critical",
        }


@pytest.mark.django_db
class TestTemplateValidation:
    def post(self, client_as, steps):
        return client_as(COMPLIANCE_MANAGER).post(
            "/api/v1/workflow-templates/",
            {"name": "T", "slug": "t", "workflow_type": "review", "steps": steps},
            format="json",
        )

    @pytest.mark.parametrize(
        "condition",
        [
            "().__class__.__bases__",
            "9**9**9",
            "severity.lower() == 'x'",
            "a" * 501,
            "score <",
        ],
    )
    def test_bad_condition_is_a_400_naming_the_step(self, client_as, condition):
        steps = [{"key": "g", "name": "Gate", "type": "gate", "condition": condition}]
        response = self.post(client_as, steps)
        assert response.status_code == 400, response.content
        assert "steps[0].condition" in response.json()["steps"][0]
        assert not models.WorkflowTemplate.objects.exists()

    @pytest.mark.parametrize(
        "steps, message",
        [
            ([], "at least one step"),
            ("not a list", "must be a list"),
            ([{"key": "a", "name": "A", "type": "dance", "role": "Viewer"}], "steps[0].type"),
            ([{"key": "a", "name": "A", "type": "task", "role": "Nobody"}], "no group named 'Nobody'"),
            ([{"key": "a", "name": "A", "type": "task"}], "steps[0].role: is required"),
            ([{"key": "a", "name": "A", "type": "task", "role": "Viewer", "on_reject": "goto:zzz"}], "earlier step"),
            (
                [
                    {"key": "a", "name": "A", "type": "task", "role": "Viewer"},
                    {"key": "a", "name": "B", "type": "task", "role": "Viewer"},
                ],
                "more than one step",
            ),
            (
                [{"key": "a", "name": "A", "type": "task", "role": "Viewer", "estimated_hours": "many"}],
                "estimated_hours",
            ),
            ([{"key": "a", "name": "A", "type": "task", "role": "Viewer", "quorum": 2}], "quorum"),
            ([{"key": "a", "name": "A", "type": "task", "role": "Viewer", "surprise": 1}], "unknown field"),
            ([{"key": "A B", "name": "A", "type": "task", "role": "Viewer"}], "steps[0].key"),
            ([{"key": f"s{i}", "name": "S", "type": "task", "role": "Viewer"} for i in range(51)], "at most 50"),
        ],
    )
    def test_bad_steps_are_400(self, client_as, steps, message):
        response = self.post(client_as, steps)
        assert response.status_code == 400, response.content
        assert message in " ".join(response.json()["steps"])

    def test_estimated_hours_is_derived_from_steps(self, client_as):
        response = self.post(client_as, STANDARD_STEPS)
        assert response.status_code == 201, response.content
        assert response.json()["estimated_hours"] == 7.5

    def test_estimated_hours_cannot_be_written(self, client_as):
        template = WorkflowTemplateFactory()
        response = client_as(COMPLIANCE_MANAGER).patch(
            f"/api/v1/workflow-templates/{template.pk}/", {"estimated_hours": 999}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["estimated_hours"] == 7.5


@pytest.mark.django_db
class TestWorkflowValidation:
    def test_assignee_must_be_in_a_step_role(self, client_as):
        outsider = UserFactory(roles=[VIEWER])
        response = client_as(COMPLIANCE_MANAGER).post(
            "/api/v1/workflows/",
            {"name": "W", "template": WorkflowTemplateFactory().slug, "assigned_to": outsider.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "none of this workflow's step roles" in response.json()["assigned_to"][0]

    def test_inactive_assignee_is_refused(self, client_as):
        inactive = UserFactory(roles=[COMPLIANCE_MANAGER], is_active=False)
        response = client_as(COMPLIANCE_MANAGER).post(
            "/api/v1/workflows/",
            {"name": "W", "template": WorkflowTemplateFactory().slug, "assigned_to": inactive.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "not an active user" in response.json()["assigned_to"][0]

    @pytest.mark.parametrize("variables", [["list"], {"_x": 1}, {"bad key": 1}, {"big": "x" * 20000}])
    def test_bad_variables_are_400(self, client_as, variables):
        response = client_as(COMPLIANCE_MANAGER).post(
            "/api/v1/workflows/",
            {"name": "W", "template": WorkflowTemplateFactory().slug, "variables": variables},
            format="json",
        )
        assert response.status_code == 400
        assert "variables" in response.json()

    def test_unknown_template_and_unknown_status_filter(self, client_as):
        client = client_as(COMPLIANCE_MANAGER)
        response = client.post("/api/v1/workflows/", {"name": "W", "template": "nope"}, format="json")
        assert response.status_code == 400 and "template" in response.json()
        assert client.get("/api/v1/workflows/?status=sleeping").status_code == 400
        assert client.get("/api/v1/workflows/?overdue=perhaps").status_code == 400

    def test_status_is_read_only(self, client_as):
        workflow = WorkflowFactory()
        response = client_as(COMPLIANCE_MANAGER).patch(
            f"/api/v1/workflows/{workflow.pk}/", {"status": "completed"}, format="json"
        )
        assert response.status_code == 200
        workflow.refresh_from_db()
        assert workflow.status == "draft"

    def test_schedule_trigger_needs_a_valid_cron(self, client_as):
        client = client_as(COMPLIANCE_MANAGER)
        template = WorkflowTemplateFactory()
        bad = client.post(
            "/api/v1/workflow-triggers/",
            {"name": "x", "event": "schedule", "template": template.slug, "cron": "every tuesday"},
            format="json",
        )
        assert bad.status_code == 400 and "cron" in bad.json()
        good = client.post(
            "/api/v1/workflow-triggers/",
            {"name": "x", "event": "schedule", "template": template.slug, "cron": "0 6 * * 1"},
            format="json",
        )
        assert good.status_code == 201 and good.json()["next_run_at"]

    @pytest.mark.parametrize(
        "role, allowed", [(COMPLIANCE_ADMIN, True), (COMPLIANCE_MANAGER, True), (AUDITOR, False), (VIEWER, False)]
    )
    def test_state_actions_need_change_permission(self, client_as, role, allowed):
        workflow = WorkflowFactory()
        response = client_as(role).post(f"/api/v1/workflows/{workflow.pk}/start/")
        assert response.status_code == (200 if allowed else 403)


@pytest.mark.django_db
def test_finding_sets_the_rule_and_a_mismatch_is_400(client_as):
    from compliance.tests.factories import FindingFactory, RuleFactory

    finding = FindingFactory()
    client = client_as(COMPLIANCE_MANAGER)
    template = WorkflowTemplateFactory().slug
    ok = client.post("/api/v1/workflows/", {"name": "W", "template": template, "finding": finding.pk}, format="json")
    assert ok.status_code == 201 and ok.json()["rule"] == finding.rule_id
    bad = client.post(
        "/api/v1/workflows/",
        {"name": "W", "template": template, "finding": finding.pk, "rule": RuleFactory().pk},
        format="json",
    )
    assert bad.status_code == 400 and "rule" in bad.json()
    missing = client.post("/api/v1/workflows/", {"name": "W", "template": template, "finding": 99999999}, format="json")
    assert missing.status_code == 400 and "finding" in missing.json()
