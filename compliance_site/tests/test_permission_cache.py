"""Permission sets are cached across requests, and a role change takes effect at once.

compliance_site/permission_cache.py: the set is read from the shared cache instead of two
queries per request; any change to roles, memberships or permissions makes every cached
set stale, including a set another process computed before the change committed.
"""

import threading

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from compliance_site.lockout import LockoutModelBackend
from conftest import token_for

RULES = "/api/v1/rules/"
AUDIT_LOGS = "/api/v1/audit-logs/"


def permission_queries(captured):
    return [q["sql"] for q in captured if "auth_permission" in q["sql"]]


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


@pytest.mark.django_db
def test_the_second_request_reads_no_permissions():
    client = token_client(UserFactory(roles=[AUDITOR]))
    with CaptureQueriesContext(connection) as first:
        assert client.get(RULES).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(RULES).status_code == 200
    assert len(permission_queries(first)) == 2  # user and group permissions, once
    assert permission_queries(second) == []


def _view_audit_log():
    return Permission.objects.get(codename="view_auditlog")


# (role the user starts with, the change, whether the audit log is readable after it)
ROLE_CHANGES = {
    "leaving a role": (AUDITOR, lambda user: user.groups.remove(Group.objects.get(name=AUDITOR)), 403),
    # The reverse side of the membership fires the same signal.
    "joining a role": (VIEWER, lambda user: Group.objects.get(name=AUDITOR).user_set.add(user), 200),
    "a permission taken from the role": (
        AUDITOR,
        lambda user: Group.objects.get(name=AUDITOR).permissions.remove(_view_audit_log()),
        403,
    ),
    "a permission given to the user": (VIEWER, lambda user: user.user_permissions.add(_view_audit_log()), 200),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change", ROLE_CHANGES)
def test_a_role_change_takes_effect_on_the_next_request(change):
    role, apply, status_after = ROLE_CHANGES[change]
    user = UserFactory(roles=[role])
    client = token_client(user)
    assert client.get(AUDIT_LOGS).status_code == (403 if status_after == 200 else 200)
    apply(user)
    assert client.get(AUDIT_LOGS).status_code == status_after


@pytest.mark.django_db
def test_a_deleted_role_takes_its_permissions_with_it():
    group = Group.objects.create(name="Temporary auditors")
    group.permissions.add(_view_audit_log())
    user = UserFactory(roles=[VIEWER])
    user.groups.add(group)
    client = token_client(user)
    assert client.get(AUDIT_LOGS).status_code == 200
    group.delete()
    assert client.get(AUDIT_LOGS).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_set_computed_before_a_change_commits_is_never_served_after_it():
    """Another process may read the old rows while the change is uncommitted and cache
    them; the generation replaced at commit makes that entry stale."""
    user = UserFactory(roles=[COMPLIANCE_MANAGER])
    backend = LockoutModelBackend()
    removed = threading.Event()
    read_done = threading.Event()

    def remove_role_and_commit_later():
        with transaction.atomic():
            user.groups.remove(Group.objects.get(name=COMPLIANCE_MANAGER))
            removed.set()
            read_done.wait(10)
        connection.close()

    writer = threading.Thread(target=remove_role_and_commit_later)
    writer.start()
    assert removed.wait(10)
    # This thread has its own connection: it sees the committed rows, i.e. the old role.
    stale_reader = type(user).objects.get(pk=user.pk)
    assert "compliance.add_compliancerule" in backend.get_all_permissions(stale_reader)
    read_done.set()
    writer.join(10)
    fresh = type(user).objects.get(pk=user.pk)
    assert "compliance.add_compliancerule" not in backend.get_all_permissions(fresh)


@pytest.mark.django_db
def test_an_unreachable_cache_falls_back_to_the_database(settings):
    """Nothing listens on port 1: every cache call fails, as with Redis down."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    user = UserFactory(roles=[AUDITOR])
    client = token_client(user)
    assert client.get(AUDIT_LOGS).status_code == 200
    user.groups.remove(Group.objects.get(name=AUDITOR))  # the invalidation fails too, harmlessly
    assert client.get(AUDIT_LOGS).status_code == 403


@pytest.mark.django_db
def test_a_deactivated_user_has_no_permissions_though_a_set_is_cached():
    """The backend checks is_active on the user row before the cache: token auth would turn
    an inactive user away anyway, so the backend is asked directly."""
    user = UserFactory(roles=[AUDITOR])
    backend = LockoutModelBackend()
    assert "audit.view_auditlog" in backend.get_all_permissions(type(user).objects.get(pk=user.pk))
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no signal: the cached set stays
    inactive = type(user).objects.get(pk=user.pk)
    assert backend.get_all_permissions(inactive) == set()
    assert not inactive.has_perm("audit.view_auditlog")
