"""The admin writes through the same services as the API: same invariants, same audit entries."""

import pytest

from audit.models import AuditLog
from common.roles import COMPLIANCE_MANAGER
from compliance.models import ComplianceRule, Control, Framework

from .factories import ControlFactory, FrameworkFactory, RuleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = UserFactory(username="admin-manager", is_staff=True, roles=[COMPLIANCE_MANAGER])
    client.force_login(user)
    client.user = user
    return client


def rule_form(rule, **changes):
    data = {
        "name": rule.name,
        "description": rule.description,
        "framework": rule.framework_id,
        "controls": [c.pk for c in rule.controls.all()],
        "severity": rule.severity,
        "rule_type": rule.rule_type,
        "is_active": "on",
        "tags": "[]",
        "remediation": "",
    }
    data.update(changes)
    return data


def test_a_rule_cannot_take_another_frameworks_controls_in_the_admin_either(manager):
    rule = RuleFactory()
    foreign = ControlFactory(framework=FrameworkFactory(), ref_id="X.1")
    response = manager.post(
        f"/admin/compliance/compliancerule/{rule.pk}/change/", rule_form(rule, controls=[foreign.pk])
    )
    assert response.status_code == 200  # the form again, with the service's own message
    assert f"Not controls of framework {rule.framework.code}: X.1." in response.content.decode()
    assert not rule.controls.exists()


def test_an_admin_edit_goes_through_the_service_and_is_audited(manager):
    rule = RuleFactory(name="Before")
    own = ControlFactory(framework=rule.framework)
    response = manager.post(
        f"/admin/compliance/compliancerule/{rule.pk}/change/", rule_form(rule, name="After", controls=[own.pk])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.name == "After" and list(rule.controls.all()) == [own]
    entries = AuditLog.objects.filter(object_id=str(rule.pk), content_type__model="compliancerule")
    assert {e.actor_id for e in entries.filter(action="update")} == {manager.user.pk}


def test_a_control_whose_parent_is_in_another_framework_is_refused_by_the_form(manager):
    framework, other = FrameworkFactory(), FrameworkFactory()
    stranger = ControlFactory(framework=other)
    response = manager.post(
        "/admin/compliance/control/add/",
        {
            "framework": framework.pk,
            "parent": stranger.pk,
            "ref_id": "A.1",
            "title": "t",
            "description": "",
            "sort_order": 0,
            "parameters": "[]",
        },
    )
    assert response.status_code == 200
    assert "Parent must belong to the same framework." in response.content.decode()
    assert not Control.objects.filter(ref_id="A.1").exists()


def test_a_control_added_in_the_admin_goes_through_the_control_service(manager):
    framework = FrameworkFactory()
    parent = ControlFactory(framework=framework, ref_id="A")
    response = manager.post(
        "/admin/compliance/control/add/",
        {
            "framework": framework.pk,
            "parent": parent.pk,
            "ref_id": "A.2",
            "title": "t",
            "description": "",
            "sort_order": 0,
            "parameters": "[]",
            "implementation_status": "not_implemented",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    control = Control.objects.get(framework=framework, ref_id="A.2")
    assert control.parent == parent
    assert AuditLog.objects.filter(
        action="create", object_id=str(control.pk), content_type__model="control", actor_id=manager.user.pk
    ).exists()


def test_a_framework_with_rules_cannot_be_deleted_from_the_admin(manager):
    framework = FrameworkFactory()
    RuleFactory(framework=framework)
    response = manager.post(f"/admin/compliance/framework/{framework.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200  # Django lists the protected rules instead of deleting
    assert Framework.objects.filter(pk=framework.pk).exists()
    assert ComplianceRule.objects.filter(framework=framework).exists()
