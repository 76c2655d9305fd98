"""Every API endpoint × every built-in role, checked against one table of expected rights.

The table is written out by hand on purpose: it is the statement of who may do what
(docs/api.md, "Built-in roles"), independent of the code that enforces it.
"""

import pytest
from django.contrib.auth.models import Group

from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.evidence.services import add_evidence
from compliance.models import (
    ComplianceRule,
    Control,
    ControlMapping,
    DataSource,
    Evidence,
    Finding,
    Framework,
    RuleEvaluation,
)

from .factories import (
    ControlFactory,
    ControlMappingFactory,
    DataSourceFactory,
    FindingFactory,
    FrameworkFactory,
    RuleFactory,
    UserFactory,
)

ADMIN, MANAGER = COMPLIANCE_ADMIN, COMPLIANCE_MANAGER
NO_ROLE = "(no role)"
ROLES = (ADMIN, MANAGER, AUDITOR, VIEWER, NO_ROLE)
READERS = {ADMIN, MANAGER, AUDITOR, VIEWER}
EDITORS = {ADMIN, MANAGER}

# resource → (model, base URL, detail key, factory, create payload, patch payload, {verb: roles allowed})
MATRIX = {
    "frameworks": (
        Framework,
        "/api/v1/frameworks/",
        "code",
        FrameworkFactory,
        lambda: {"code": "matrix", "name": "Matrix"},
        {"name": "Renamed"},
        {"list": READERS, "retrieve": READERS, "create": EDITORS, "update": EDITORS, "delete": EDITORS},
    ),
    "controls": (
        Control,
        "/api/v1/controls/",
        "pk",
        ControlFactory,
        lambda: {"framework": FrameworkFactory().code, "ref_id": "M-1", "title": "Matrix"},
        {"title": "Renamed"},
        {"list": READERS, "retrieve": READERS, "create": EDITORS, "update": EDITORS, "delete": EDITORS},
    ),
    "control-mappings": (
        ControlMapping,
        "/api/v1/control-mappings/",
        "pk",
        ControlMappingFactory,
        lambda: {"source": ControlFactory().pk, "target": ControlFactory().pk, "relationship": "equal"},
        {"relationship": "superset"},
        {"list": READERS, "retrieve": READERS, "create": EDITORS, "update": EDITORS, "delete": EDITORS},
    ),
    "rules": (
        ComplianceRule,
        "/api/v1/rules/",
        "pk",
        RuleFactory,
        lambda: {"name": "Matrix rule", "framework": FrameworkFactory().code},
        {"severity": "high"},
        {"list": READERS, "retrieve": READERS, "create": EDITORS, "update": EDITORS, "delete": EDITORS},
    ),
    "data-sources": (
        DataSource,
        "/api/v1/data-sources/",
        "pk",
        DataSourceFactory,
        lambda: {"name": "matrix-source", "source_type": "server"},
        {"criticality": "high"},
        {"list": READERS, "retrieve": READERS, "create": EDITORS, "update": EDITORS, "delete": EDITORS},
    ),
    "evaluations": (
        RuleEvaluation,
        "/api/v1/evaluations/",
        "pk",
        None,
        lambda: {"rule": RuleFactory().pk, "data_source": DataSourceFactory().pk, "status": "passed"},
        None,
        {"list": READERS, "retrieve": READERS, "create": EDITORS},
    ),
    "findings": (
        Finding,
        "/api/v1/findings/",
        "pk",
        FindingFactory,
        None,
        {"status": "in_progress"},
        {"list": READERS, "retrieve": READERS, "update": EDITORS},
    ),
    # Immutable: no update at all (405); reading an internal item needs a role.
    "evidence": (
        Evidence,
        "/api/v1/evidence/",
        "pk",
        lambda: add_evidence(data={"access_level": "internal"}, record={"matrix": True}),
        lambda: {"record": {"matrix": True}},
        None,
        {"list": READERS, "retrieve": READERS, "create": EDITORS, "delete": EDITORS},
    ),
}

SUCCESS = {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204}


def make_evaluation():
    from .factories import record

    return record(RuleFactory(), DataSourceFactory(), "passed")


def client_for(role, client_as):
    if role != NO_ROLE:
        return client_as(role)
    from rest_framework.test import APIClient

    from conftest import token_for

    user = UserFactory(username="no-role")
    assert not user.groups.exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


CASES = [(resource, verb, role) for resource, spec in MATRIX.items() for verb in SUCCESS for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize("resource,verb,role", CASES, ids=[f"{r}-{v}-{role}" for r, v, role in CASES])
def test_matrix(resource, verb, role, client_as):
    model, base, key, factory, create, patch, allowed = MATRIX[resource]
    client = client_for(role, client_as)
    obj = (factory or make_evaluation)()
    detail = f"{base}{getattr(obj, key)}/"
    before = model.objects.count()
    if verb == "list":
        response = client.get(base)
    elif verb == "retrieve":
        response = client.get(detail)
    elif verb == "create":
        response = client.post(base, create() if create else {}, format="json")
    elif verb == "update":
        response = client.patch(detail, patch or {}, format="json")
    else:
        response = client.delete(detail)

    if verb not in allowed:  # the endpoint does not offer this verb at all
        assert response.status_code in (403, 405), response.content
        assert model.objects.count() == before
        return
    if role in allowed[verb]:
        assert response.status_code == SUCCESS[verb], (role, response.content)
    else:
        assert response.status_code == 403, (role, response.status_code, response.content)
        assert model.objects.count() == before
        if verb == "update":
            fresh = model.objects.get(pk=obj.pk)
            for field in patch:
                assert getattr(fresh, field) == getattr(obj, field)


@pytest.mark.django_db
def test_builtin_groups_exist_after_migrate_with_every_apps_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {ADMIN, MANAGER, AUDITOR, VIEWER}

    def perms(role):
        group = Group.objects.get(name=role)
        return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    # Apps installed after compliance must be covered too (their permissions come later).
    assert {"workflows.approve_step", "reports.add_report", "workflows.add_workflow"} <= perms(MANAGER)
    assert "integrations.change_integration" not in perms(MANAGER)
    assert {"integrations.change_integration", "audit.view_auditlog"} <= perms(ADMIN)
    assert "audit.change_auditlog" not in perms(ADMIN)
    assert {"integrations.view_integration", "reports.view_report"} <= perms(VIEWER)
    assert "audit.view_auditlog" not in perms(VIEWER)
    assert "audit.view_auditlog" in perms(AUDITOR) and not any(
        p.split(".")[1].startswith(("add_", "change_", "delete_")) for p in perms(AUDITOR)
    )


def test_every_api_resource_is_in_the_matrix():
    """A new endpoint must be added to a permission table (this one or its app's own)."""
    from compliance.api.urls import router
    from compliance_site.tests.test_permission_matrix import TABLE as SITE_TABLE

    registered = {prefix for prefix, _, _ in router.registry}
    assert registered <= set(MATRIX) | set(SITE_TABLE), registered - set(MATRIX) - set(SITE_TABLE)
