"""Every action an app records is in the impact table, so its level is a decision, not a default."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from audit import registry
from audit.impact import action_impacts

APPS = ("audit", "compliance", "reports", "workflows", "integrations", "compliance_site")
MODEL_ACTIONS = {"create", "update", "delete"}


def recorded_actions():
    """(file, action) for every record_event(action="literal") outside the tests."""
    found = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record_event"
                ):
                    for keyword in node.keywords:
                        if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                            found.append((str(path.relative_to(settings.BASE_DIR)), keyword.value.value))
    return found


def test_the_scan_finds_the_apps_events():
    actions = {action for _, action in recorded_actions()}
    assert {"evaluations_recorded", "report_downloaded", "step_approved", "integration_sync_requested"} <= actions


@pytest.mark.parametrize("where, action", recorded_actions())
def test_every_recorded_action_is_registered(where, action):
    assert action in action_impacts() or action in MODEL_ACTIONS, (
        f"{where} records {action!r}, which no app registered (audit.impact.register_actions)"
    )


def test_every_app_registers_its_models_and_audit_names_none():
    labels = {model._meta.app_label for model in registry.audited_models()}
    assert labels == {
        "auth",
        "compliance",
        "reports",
        "workflows",
        "integrations",
        "engagements",
        "systems",
        "webhooks",
    }
    audit_source = " ".join(
        path.read_text() for path in (Path(settings.BASE_DIR) / "audit").glob("*.py") if path.name != "testing.py"
    )
    for app in ("compliance", "reports", "workflows", "integrations", "webhooks"):
        assert f"{app}." not in audit_source.replace("compliance_site.", ""), f"audit names {app}"
