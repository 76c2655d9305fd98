"""OSCAL import page and export actions in the admin."""

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditLog
from common.roles import COMPLIANCE_MANAGER, VIEWER
from compliance.models import Control, Framework
from compliance.tests.factories import ControlFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "oscal_small_catalog.json"
IMPORT_URL = "admin:compliance_framework_import_oscal"


@pytest.fixture
def admin_web():
    client = Client()
    user = UserFactory(username="oscal-admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _staff_client(role_user, role):
    user = role_user(role)
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_import_page_imports_a_catalog(admin_web):
    assert "Import OSCAL catalog" in admin_web.get(reverse("admin:compliance_framework_changelist")).content.decode()
    assert admin_web.get(reverse(IMPORT_URL)).status_code == 200
    with FIXTURE.open("rb") as handle:
        response = admin_web.post(reverse(IMPORT_URL), {"file": handle, "framework": "acme"})
    framework = Framework.objects.get(code="acme")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:compliance_framework_change", args=[framework.pk])
    assert framework.controls.count() == 9


def test_import_page_shows_errors_and_writes_nothing(admin_web, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"catalog": {"uuid": "nope"}}')
    with bad.open("rb") as handle:
        response = admin_web.post(reverse(IMPORT_URL), {"file": handle, "framework": "bad"})
    assert response.status_code == 200
    assert "Not valid OSCAL" in response.content.decode()
    assert not Framework.objects.filter(code="bad").exists()
    response = admin_web.post(reverse(IMPORT_URL), {"framework": "no file"})
    assert response.status_code == 200 and not Framework.objects.exists()


def test_import_page_needs_add_permission(role_user):
    viewer = _staff_client(role_user, VIEWER)
    assert viewer.get(reverse(IMPORT_URL)).status_code == 403
    with FIXTURE.open("rb") as handle:
        assert viewer.post(reverse(IMPORT_URL), {"file": handle, "framework": "acme"}).status_code == 403
    assert not Framework.objects.filter(code="acme").exists()
    manager = _staff_client(role_user, COMPLIANCE_MANAGER)
    assert manager.get(reverse(IMPORT_URL)).status_code == 200


@pytest.mark.parametrize(
    "action, key",
    [
        ("export_oscal_catalog", "catalog"),
        ("export_oscal_assessment_results", "assessment-results"),
    ],
)
def test_export_actions_download_valid_oscal(admin_web, action, key):
    framework = FrameworkFactory(code="acme", name="Acme")
    ControlFactory(framework=framework, ref_id="AC-1", title="Accounts")
    response = admin_web.post(
        reverse("admin:compliance_framework_changelist"), {"action": action, "_selected_action": [framework.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="acme-')
    assert key in json.loads(response.content)
    assert AuditLog.objects.filter(action__startswith="oscal_", object_id=str(framework.pk)).exists()


def test_export_action_wants_exactly_one_framework(admin_web):
    first, second = FrameworkFactory(code="one"), FrameworkFactory(code="two")
    response = admin_web.post(
        reverse("admin:compliance_framework_changelist"),
        {"action": "export_oscal_catalog", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "Select exactly one framework" in response.content.decode()
    assert Control.objects.count() == 0
