"""Declared API tests for each compliance resource (see common/testing/api.py)."""

from audit.testing import AuditedResourceTests
from common.roles import AUDITOR
from compliance import models

from .factories import (
    ControlFactory,
    ControlMappingFactory,
    DataSourceFactory,
    FindingFactory,
    FrameworkFactory,
    RuleFactory,
    record,
)


class TestFrameworkAPI(AuditedResourceTests):
    base_url = "/api/v1/frameworks/"
    model = models.Framework
    lookup = "code"
    update_data = {"name": "Renamed framework"}

    def make(self):
        return FrameworkFactory()

    def create_data(self):
        return {"code": "new_fw", "name": "New framework", "version": "2024"}


class TestControlAPI(AuditedResourceTests):
    base_url = "/api/v1/controls/"
    model = models.Control
    update_data = {"title": "Retitled"}

    def make(self):
        return ControlFactory()

    def create_data(self):
        return {"framework": FrameworkFactory().code, "ref_id": "X-1", "title": "A control"}


class TestControlMappingAPI(AuditedResourceTests):
    base_url = "/api/v1/control-mappings/"
    model = models.ControlMapping
    update_data = {"relationship": "subset"}

    def make(self):
        return ControlMappingFactory()

    def create_data(self):
        return {"source": ControlFactory().pk, "target": ControlFactory().pk, "relationship": "intersect"}


class TestRuleAPI(AuditedResourceTests):
    base_url = "/api/v1/rules/"
    model = models.ComplianceRule
    update_data = {"severity": "critical", "tags": ["cloud", "iam"]}

    def make(self):
        framework = FrameworkFactory()
        return RuleFactory(framework=framework, controls=[ControlFactory(framework=framework) for _ in range(2)])

    def create_data(self):
        control = ControlFactory()
        return {
            "name": "MFA on every admin account",
            "framework": control.framework.code,
            "controls": [control.pk],
            "severity": "high",
            "rule_type": "configuration",
            "tags": ["iam"],
        }


class TestDataSourceAPI(AuditedResourceTests):
    base_url = "/api/v1/data-sources/"
    model = models.DataSource
    update_data = {"criticality": "critical", "environment": "staging"}

    def make(self):
        return DataSourceFactory()

    def create_data(self):
        return {"name": "prod-db-1", "source_type": "database", "environment": "production", "criticality": "high"}


class TestEvaluationAPI(AuditedResourceTests):
    base_url = "/api/v1/evaluations/"
    model = models.RuleEvaluation
    deletable = False
    read_only_role = AUDITOR

    def make(self):
        return record(RuleFactory(), DataSourceFactory(), "passed", score=100.0)

    def create_data(self):
        return {"rule": RuleFactory().pk, "data_source": DataSourceFactory().pk, "status": "failed", "score": 20}


class TestFindingAPI(AuditedResourceTests):
    base_url = "/api/v1/findings/"
    model = models.Finding
    deletable = False
    update_data = {"status": "in_progress", "notes": "Vendor patch scheduled"}

    def make(self):
        return FindingFactory()
