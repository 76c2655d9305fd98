"""Model changes are captured by signals: create, update, delete, M2M; same transaction."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.context import audit_context
from audit.models import AuditLog
from compliance.models import ComplianceRule, Framework
from compliance.tests.factories import ControlFactory, FrameworkFactory, RuleFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries_for(obj):
    ct = ContentType.objects.get_for_model(obj)
    return AuditLog.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("id")


def test_create_records_every_field_and_the_context():
    user = UserFactory(username="alice")
    with audit_context(
        source="api",
        actor_resolver=lambda: user,
        request_id="req-1",
        ip_address="10.0.0.9",
        user_agent="pytest-agent",
        session_hash="ab" * 32,
    ):
        framework = Framework.objects.create(code="soc2x", name="SOC 2", version="2017")
    entry = entries_for(framework).get()
    assert entry.action == "create"
    assert entry.actor == user and entry.actor_username == "alice"
    assert entry.changes["code"] == [None, "soc2x"] and entry.changes["name"] == [None, "SOC 2"]
    assert entry.object_repr == "SOC 2 2017"
    assert (entry.request_id, entry.ip_address, entry.user_agent, entry.source) == (
        "req-1",
        "10.0.0.9",
        "pytest-agent",
        "api",
    )
    assert entry.session_hash == "ab" * 32 and entry.impact_level == "low" and entry.timestamp
    assert len(entry.content_hash) == 64


def test_update_records_only_what_changed_without_reading_the_row_again():
    framework = FrameworkFactory(name="Old name")
    loaded = Framework.objects.get(pk=framework.pk)
    loaded.name = "New name"
    with CaptureQueriesContext(connection) as queries:
        loaded.save()
    entry = entries_for(framework).last()
    assert entry.action == "update"
    assert entry.changes == {"name": ["Old name", "New name"]}
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert selects == [], selects  # old values came from the loaded state


def test_save_without_a_change_writes_nothing():
    framework = FrameworkFactory()
    before = AuditLog.objects.count()
    Framework.objects.get(pk=framework.pk).save()
    assert AuditLog.objects.count() == before


def test_json_fields_mutated_in_place_are_seen():
    rule = RuleFactory(tags=["a"])
    loaded = ComplianceRule.objects.get(pk=rule.pk)
    loaded.tags.append("b")
    loaded.save()
    assert entries_for(rule).last().changes == {"tags": [["a"], ["a", "b"]]}


def test_successive_saves_diff_against_the_last_save():
    framework = FrameworkFactory(name="one")
    framework.name = "two"
    framework.save()
    framework.name = "three"
    framework.save(update_fields=["name"])
    changes = [e.changes for e in entries_for(framework).filter(action="update")]
    assert changes == [{"name": ["one", "two"]}, {"name": ["two", "three"]}]


def test_delete_is_recorded_with_the_old_values_and_high_impact_for_a_rule():
    rule = RuleFactory(name="Encrypt disks")
    pk = rule.pk
    rule.delete()
    entry = AuditLog.objects.filter(
        action="delete", object_id=str(pk), content_type=ContentType.objects.get_for_model(ComplianceRule)
    ).get()
    assert entry.changes["name"] == ["Encrypt disks", None]
    assert entry.impact_level == "high"


def test_m2m_changes_record_added_and_removed_ids():
    rule = RuleFactory()
    c1, c2 = ControlFactory(framework=rule.framework), ControlFactory(framework=rule.framework)
    rule.controls.add(c1, c2)
    rule.controls.remove(c1)
    rule.controls.clear()
    changes = [e.changes for e in entries_for(rule).filter(action="update")]
    assert changes == [
        {"controls": {"added": sorted([c1.pk, c2.pk]), "removed": []}},
        {"controls": {"removed": [c1.pk], "added": []}},
        {"controls": {"added": [], "removed": [c2.pk]}},
    ]


def test_unaudited_models_write_nothing():
    from audit import registry
    from compliance.models import LatestEvaluation, RuleEvaluation

    assert registry.get(RuleEvaluation) is None and registry.get(LatestEvaluation) is None
    from compliance.models import LatestStatusCount, StatusChange, StatusChangeRollup
    from integrations.models import SyncKey

    for derived in (LatestStatusCount, StatusChange, StatusChangeRollup, SyncKey):
        assert registry.get(derived) is None, derived
    assert registry.get(AuditLog) is None


def test_models_of_every_domain_app_are_audited_by_default():
    from audit import registry

    labels = {m._meta.app_label for m in registry.audited_models()}
    assert {"compliance", "auth"} <= labels


def test_rollback_leaves_no_entry():
    before = AuditLog.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        FrameworkFactory()
        raise RuntimeError("business rule failed")
    assert AuditLog.objects.count() == before
