"""Personal API tokens: hashed only, named, many per user, expiring, read-only if asked,
revocable, and every step of their life audited."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditLog
from common.roles import COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from compliance_site import tokens
from compliance_site.models import ApiToken

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def client_with(text):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client


@pytest.fixture
def manager():
    user = UserFactory(username="tok-manager", roles=[COMPLIANCE_MANAGER])
    user.set_password(PASSWORD)
    user.save()
    return user


def test_password_sign_in_returns_a_new_kind_of_token_stored_only_as_a_hash(manager):
    response = APIClient().post("/api/v1/auth/token/", {"username": manager.username, "password": PASSWORD})
    assert response.status_code == 200 and set(response.json()) == {"token"}
    text = response.json()["token"]
    token = ApiToken.objects.get(user=manager)
    stored = [str(getattr(token, field.attname)) for field in ApiToken._meta.concrete_fields]
    assert text not in " ".join(stored) and token.digest != text and len(text) == 64
    assert client_with(text).get("/api/v1/rules/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(t)::text FROM compliance_site_apitoken t")
        assert all(text not in row for (row,) in cursor.fetchall())
    assert "authtoken_token" not in connection.introspection.table_names()  # no plaintext table left


def test_a_wrong_password_gets_no_token(manager):
    response = APIClient().post("/api/v1/auth/token/", {"username": manager.username, "password": "nope"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_named_tokens_list_issue_and_revoke_only_ones_own(manager):
    api = client_with(tokens.issue_token(user=manager, name="laptop")[1])
    created = api.post("/api/v1/auth/tokens/", {"name": "ci", "expires_in_days": 7, "read_only": True}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "name", "created_at", "expires_at", "last_used_at", "read_only", "token"}
    assert body["read_only"] is True
    expires = timezone.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)
    listed = api.get("/api/v1/auth/tokens/").json()
    assert {row["name"] for row in listed} == {"laptop", "ci"} and all("token" not in row for row in listed)
    other = UserFactory(username="someone-else", roles=[VIEWER])
    theirs, _ = tokens.issue_token(user=other, name="theirs")
    assert api.delete(f"/api/v1/auth/tokens/{theirs.public_id}/").status_code == 404
    assert api.delete(f"/api/v1/auth/tokens/{body['id']}/").status_code == 204
    assert client_with(body["token"]).get("/api/v1/rules/").status_code == 401
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    revoked = AuditLog.objects.get(action="api_token_revoked")
    assert revoked.actor_id == manager.pk and "ci" in revoked.message


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "expires_in_days": 0},
        {"name": "ok", "expires_in_days": 366},
        {"name": "ok", "expires_in_days": "soon"},
        {"name": "ok", "read_only": "maybe"},
        {"name": ["list"]},
        {},
    ],
)
def test_bad_token_requests_are_400s_and_issue_nothing(manager, body):
    api = client_with(tokens.issue_token(user=manager, name="laptop")[1])
    assert api.post("/api/v1/auth/tokens/", body, format="json").status_code == 400
    assert api.post("/api/v1/auth/tokens/", "{nope", content_type="application/json").status_code == 400
    assert ApiToken.objects.count() == 1


def test_a_read_only_token_reads_and_is_refused_writes_with_an_audit_entry(manager):
    _, text = tokens.issue_token(user=manager, name="dashboards", read_only=True)
    api = client_with(text)
    assert api.get("/api/v1/frameworks/").status_code == 200
    response = api.post("/api/v1/frameworks/", {"code": "ro", "name": "Read only"}, format="json")
    assert response.status_code == 403
    assert api.post("/api/v1/auth/tokens/", {"name": "escalate"}, format="json").status_code == 403
    denied = AuditLog.objects.filter(action="permission_denied", actor_id=manager.pk)
    assert denied.count() == 2 and "read-only" in denied.first().message
    assert ApiToken.objects.filter(user=manager).count() == 1


def test_an_expired_token_stops_working_and_its_expiry_is_audited(manager):
    token, text = tokens.issue_token(user=manager, name="old", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = client_with(text).get("/api/v1/rules/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditLog.objects.filter(action="api_token_expired", object_id=str(token.pk)).exists()


def test_the_beat_sweeps_expired_tokens():
    user = UserFactory(username="sweep", roles=[VIEWER])
    stale, _ = tokens.issue_token(user=user, name="stale")
    tokens.issue_token(user=user, name="fresh")
    ApiToken.objects.filter(pk=stale.pk).update(expiry=timezone.now() - timedelta(days=1))
    assert tokens.sweep_expired() == 1
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["fresh"]


def test_creation_and_first_use_are_audited_once_and_last_use_is_kept(manager):
    token, text = tokens.issue_token(user=manager, name="script")
    assert AuditLog.objects.filter(action="api_token_created", actor_id=manager.pk).count() == 1
    api = client_with(text)
    for _ in range(3):
        assert api.get("/api/v1/rules/").status_code == 200
    assert AuditLog.objects.filter(action="api_token_first_used", object_id=str(token.pk)).count() == 1
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_compliance_admins_revoke_tokens_in_the_admin(client, manager):
    admin = UserFactory(username="tok-admin", roles=[COMPLIANCE_ADMIN], is_staff=True)
    client.force_login(admin)
    token, text = tokens.issue_token(user=manager, name="stolen laptop")
    page = client.get("/admin/compliance_site/apitoken/").content.decode()
    assert "stolen laptop" in page and text[:15] not in page
    response = client.post("/admin/compliance_site/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client_with(text).get("/api/v1/rules/").status_code == 401


def test_drf_tokens_from_before_keep_working_hashed_and_the_plaintext_table_goes(manager):
    key = "0123456789abcdef0123456789abcdef01234567"  # a DRF key: 40 hex characters
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created timestamptz)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, now())", [key, manager.pk])
    migration = importlib.import_module("compliance_site.migrations.0002_api_tokens")
    with connection.schema_editor() as editor:
        migration.hash_legacy_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert client_with(key).get("/api/v1/rules/").status_code == 200
    assert ApiToken.objects.get(user=manager).digest != key
