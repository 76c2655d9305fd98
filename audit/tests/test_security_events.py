"""One test per security event type; each checks that every applicable field is filled in."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from audit.models import AuditLog
from common.roles import COMPLIANCE_ADMIN, VIEWER
from compliance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# force_login() would pick the first backend (the lockout guard), which loads no users.
PASSWORD = "correct-horse-battery"
UA = "audit-test-agent/1.0"


def assert_complete(entry, *, action, actor=None, source, impact, obj=None):
    assert entry.action == action
    assert entry.timestamp is not None
    assert entry.actor_id == (actor.pk if actor else None)
    assert entry.actor_username == (actor.get_username() if actor else "")
    assert entry.impact_level == impact
    assert entry.source == source
    assert len(entry.request_id) >= 16
    assert entry.ip_address == "127.0.0.1"
    assert entry.user_agent == UA
    assert entry.message
    assert len(entry.content_hash) == 64
    if obj is not None:
        assert entry.content_type == ContentType.objects.get_for_model(obj)
        assert entry.object_id == str(obj.pk) and entry.object_repr == str(obj)


def test_session_login_through_the_admin(client):
    user = UserFactory(username="staffer", is_staff=True)
    response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD}, HTTP_USER_AGENT=UA)
    assert response.status_code == 302
    entry = AuditLog.objects.get(action="login")
    assert_complete(entry, action="login", actor=user, source="admin", impact="low", obj=user)
    assert entry.request_id == response["X-Request-ID"]


def test_failed_login_through_the_admin(client):
    UserFactory(username="staffer", is_staff=True)
    client.post("/admin/login/", {"username": "staffer", "password": "wrong"}, HTTP_USER_AGENT=UA)
    entry = AuditLog.objects.get(action="login_failed")
    assert_complete(entry, action="login_failed", source="admin", impact="medium")
    assert entry.changes == {"username": [None, "staffer"]}
    assert "wrong" not in str(entry.changes) + entry.message


def test_token_issue_is_a_login_and_a_bad_password_a_failure():
    user = UserFactory(username="apiuser")
    client = APIClient(HTTP_USER_AGENT=UA)
    ok = client.post("/api/v1/auth/token/", {"username": "apiuser", "password": PASSWORD}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]
    assert_complete(
        AuditLog.objects.get(action="login"), action="login", actor=user, source="api", impact="low", obj=user
    )
    bad = client.post("/api/v1/auth/token/", {"username": "apiuser", "password": "nope"}, format="json")
    assert bad.status_code == 400
    failed = AuditLog.objects.get(action="login_failed")
    assert_complete(failed, action="login_failed", source="api", impact="medium")
    assert failed.request_id == bad["X-Request-ID"]
    user.refresh_from_db()
    assert user.last_login is not None  # update_last_login ran; it wrote no audit entry of its own
    assert set(AuditLog.objects.filter(request_id=ok["X-Request-ID"]).values_list("action", flat=True)) == {
        "login",
        "api_token_created",
    }


def test_logout_with_session_hash(client):
    user = UserFactory(username="leaver", is_staff=True)
    client.force_login(user)
    session_key = client.session.session_key
    client.post("/admin/logout/", HTTP_USER_AGENT=UA)
    entry = AuditLog.objects.get(action="logout")
    assert_complete(entry, action="logout", actor=user, source="admin", impact="low", obj=user)
    import hashlib

    assert entry.session_hash == hashlib.sha256(session_key.encode()).hexdigest()
    assert session_key not in str(list(AuditLog.objects.values()))


def test_permission_denied_write_is_medium(client_as):
    client = client_as(VIEWER)
    response = client.post("/api/v1/frameworks/", {"code": "x", "name": "X"}, format="json", HTTP_USER_AGENT=UA)
    assert response.status_code == 403
    entry = AuditLog.objects.get(action="permission_denied")
    assert_complete(entry, action="permission_denied", actor=client.user, source="api", impact="medium")
    assert entry.changes == {"method": [None, "POST"], "path": [None, "/api/v1/frameworks/"]}


def test_permission_denied_read_is_low(client_as):
    client = client_as(VIEWER)
    assert client.get("/api/v1/audit-logs/", HTTP_USER_AGENT=UA).status_code == 403
    entry = AuditLog.objects.get(action="permission_denied")
    assert_complete(entry, action="permission_denied", actor=client.user, source="api", impact="low")


def test_audit_export_is_recorded(client_as):
    client = client_as(COMPLIANCE_ADMIN)
    response = client.get("/api/v1/audit-logs/export/", {"file_format": "json"}, HTTP_USER_AGENT=UA)
    b"".join(response.streaming_content)
    entry = AuditLog.objects.get(action="audit_export")
    assert_complete(entry, action="audit_export", actor=client.user, source="api", impact="medium")


def test_role_change_of_a_user_is_recorded_high():
    from django.contrib.auth.models import Group

    user = UserFactory(username="promoted")
    group = Group.objects.get(name=COMPLIANCE_ADMIN)
    user.groups.add(group)
    entry = AuditLog.objects.get(
        action="update", content_type__model="user", object_id=str(user.pk), changes__has_key="groups"
    )
    assert entry.changes == {"groups": {"added": [group.pk], "removed": []}}
    assert entry.impact_level == "high"


CANARY = "canary-Zq8v1-NEVER-LOGGED"


def test_secrets_are_always_masked():
    user = UserFactory(username="secretive")
    user = get_user_model().objects.get(pk=user.pk)
    user.set_password(CANARY)
    user.save()
    entry = AuditLog.objects.filter(action="update", object_id=str(user.pk), content_type__model="user").last()
    assert entry.changes == {"password": ["********", "********"]}
    from integrations.models import Integration

    integration = Integration.objects.create(
        name="jira",
        provider="jira",
        integration_type="ticketing",
        config={"base_url": "https://jira.example.com"},
        credentials={"api_token": CANARY},
    )
    integration = Integration.objects.get(pk=integration.pk)
    integration.credentials = {"api_token": CANARY + "-rotated"}
    integration.save()
    integration.delete()
    dumped = str(list(AuditLog.objects.values()))
    assert CANARY not in dumped
    assert AuditLog.objects.filter(content_type__model="integration").count() == 3


@pytest.mark.parametrize(
    "action, level",
    [
        ("report_downloaded", "medium"),
        ("integration_credentials_set", "critical"),
        ("integration_credentials_rotated", "critical"),
        ("encryption_keys_rotated", "critical"),
        ("integration_connection_tested", "low"),
        ("integration_sync_requested", "low"),
        ("step_approved", "medium"),
        ("step_rejected", "medium"),
        ("something_new", "low"),
    ],
)
def test_other_apps_events_get_their_level_from_the_impact_table(action, level):
    from audit.context import audit_context
    from audit.services import record_event

    user = UserFactory(username="doer")
    with audit_context(
        source="api",
        actor_resolver=lambda: user,
        request_id="req-impact-0123456789",
        ip_address="127.0.0.1",
        user_agent=UA,
    ):
        entry = record_event(action=action, instance=user, message=f"{action} happened")
    assert_complete(entry, action=action, actor=user, source="api", impact=level, obj=user)
    assert record_event(action=action, impact_level="high").impact_level == "high"  # explicit wins


def test_deleting_a_framework_is_high():
    from compliance.tests.factories import FrameworkFactory

    framework = FrameworkFactory()
    pk = framework.pk
    framework.delete()
    assert (
        AuditLog.objects.get(action="delete", object_id=str(pk), content_type__model="framework").impact_level == "high"
    )
