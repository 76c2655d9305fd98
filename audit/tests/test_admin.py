"""Read-only AuditLog admin and the audit-backed History page of every audited model."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditLog
from common.roles import AUDITOR, VIEWER
from compliance.tests.factories import RuleFactory, UserFactory

pytestmark = pytest.mark.django_db
# force_login() would pick the first backend (the lockout guard), which loads no users.


@pytest.fixture
def staff(client):
    def login(role):
        user = UserFactory(username=f"staff-{role}".replace(" ", "-").lower(), is_staff=True, roles=[role])
        client.force_login(user)
        return client

    return login


def test_history_page_of_a_rule_lists_its_audit_entries(staff, client_as):
    manager = client_as("Compliance Manager")
    rule = RuleFactory(name="Old title")
    assert manager.patch(f"/api/v1/rules/{rule.pk}/", {"name": "New title"}, format="json").status_code == 200
    client = staff(AUDITOR)
    response = client.get(f"/admin/compliance/compliancerule/{rule.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="audit-history"' in html
    assert "name: &#x27;Old title&#x27; → &#x27;New title&#x27;" in html
    assert manager.user.username in html
    assert f"object_id={rule.pk}" in html


def test_history_page_works_for_models_of_other_apps(staff):
    group = Group.objects.create(name="Reviewers")
    response = staff(AUDITOR).get(f"/admin/auth/group/{group.pk}/history/")
    # Auditors may not open auth admin pages at all; a superuser sees the audit trail there.
    assert response.status_code in (302, 403)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    from django.test import Client

    superuser_client = Client()
    superuser_client.force_login(admin)
    html = superuser_client.get(f"/admin/auth/group/{group.pk}/history/").content.decode()
    assert 'id="audit-history"' in html and "Reviewers" in html


def test_history_page_hides_the_trail_from_users_without_audit_permission(staff):
    rule = RuleFactory()
    response = staff(VIEWER).get(f"/admin/compliance/compliancerule/{rule.pk}/history/")
    assert response.status_code == 200
    assert 'id="audit-history"' not in response.content.decode()


def test_audit_admin_is_read_only(staff):
    RuleFactory()
    entry = AuditLog.objects.first()
    client = staff(AUDITOR)
    assert client.get("/admin/audit/auditlog/").status_code == 200
    detail = client.get(f"/admin/audit/auditlog/{entry.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert client.get("/admin/audit/auditlog/add/").status_code == 403
    assert client.post(f"/admin/audit/auditlog/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    filtered = client.get(
        f"/admin/audit/auditlog/?content_type__id__exact={entry.content_type_id}&object_id={entry.object_id}"
    )
    assert filtered.status_code == 200
