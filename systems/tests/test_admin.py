"""Every OSCAL export as an admin action; the admin pages of the systems app load."""

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditLog
from compliance.tests.factories import UserFactory
from systems.models import ComponentDefinition
from systems.oscal.component_definition import import_component_definition
from systems.tests.factories import make_system

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "component_definition.json"


@pytest.fixture
def admin_web():
    client = Client()
    client.force_login(UserFactory(username="systems-admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "action,root",
    [
        ("export_ssp", "system-security-plan"),
        ("export_assessment_plan", "assessment-plan"),
        ("export_assessment_results", "assessment-results"),
        ("export_poam", "plan-of-action-and-milestones"),
    ],
)
def test_system_export_actions_download_valid_documents(admin_web, action, root):
    system = make_system()
    response = admin_web.post(
        reverse("admin:systems_system_changelist"), {"action": action, "_selected_action": [system.pk]}
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert list(json.loads(response.content)) == [root]
    assert AuditLog.objects.filter(action__endswith="_exported", object_id=str(system.pk)).count() == 1


def test_export_action_needs_exactly_one_system(admin_web):
    one, two = make_system(), make_system(name="Other")
    response = admin_web.post(
        reverse("admin:systems_system_changelist"),
        {"action": "export_ssp", "_selected_action": [one.pk, two.pk]},
        follow=True,
    )
    assert "Select exactly one system" in response.content.decode()


def test_component_definition_export_action(admin_web):
    definition = import_component_definition(document=json.loads(FIXTURE.read_text()))
    response = admin_web.post(
        reverse("admin:systems_componentdefinition_changelist"),
        {"action": "export_component_definition", "_selected_action": [definition.pk]},
    )
    assert response.status_code == 200
    assert json.loads(response.content)["component-definition"]["metadata"]["title"] == definition.title
    assert ComponentDefinition.objects.count() == 1


def test_admin_pages_load(admin_web):
    system = make_system()
    for name in ("system", "component", "implementedrequirement", "componentdefinition", "ksiindicator"):
        assert admin_web.get(reverse(f"admin:systems_{name}_changelist")).status_code == 200, name
    assert admin_web.get(reverse("admin:systems_system_change", args=[system.pk])).status_code == 200
    requirement = system.requirements.first()
    assert (
        admin_web.get(reverse("admin:systems_implementedrequirement_change", args=[requirement.pk])).status_code == 200
    )


def test_enable_ksi_action(admin_web):
    from compliance.seed.content import seed_framework
    from compliance.seed.frameworks import fedramp_ksi
    from compliance.seed.tally import Tally

    system = make_system()
    url = reverse("admin:systems_system_changelist")
    refused = admin_web.post(url, {"action": "enable_ksi", "_selected_action": [system.pk]}, follow=True)
    assert "not seeded" in refused.content.decode()
    fields, specs, extras = fedramp_ksi.load()
    seed_framework(fields=fields, specs=specs, tally=Tally(), log=lambda line: None, extra_fields=extras)
    done = admin_web.post(url, {"action": "enable_ksi", "_selected_action": [system.pk]}, follow=True)
    assert "60 indicator(s) added" in done.content.decode()
    assert system.indicators.count() == 60
