"""Fixtures shared by every app's tests, and the suite-wide canary watch."""

import pytest
from rest_framework.test import APIClient

from common.roles import AUDITOR, BUILTIN_ROLES, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory

ROLE_USERNAMES = {
    COMPLIANCE_ADMIN: "role-admin",
    COMPLIANCE_MANAGER: "role-manager",
    AUDITOR: "role-auditor",
    VIEWER: "role-viewer",
}


@pytest.fixture(autouse=True)
def _clear_cache():
    """Cache state (login failure counters, memoised reads) must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def role_user(db):
    """role_user(role) -> an active user holding exactly that built-in role."""

    def make(role):
        assert role in BUILTIN_ROLES, role
        return UserFactory(username=ROLE_USERNAMES[role], roles=[role])

    return make


@pytest.fixture
def browser():
    """A headless Debian Chromium (common/testing/browser.py)."""
    from common.testing.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def api_client():
    return APIClient()


def token_for(user, **kwargs):
    """A new personal API token's text for `user` (compliance_site/tokens.py)."""
    from compliance_site.tokens import issue_token

    return issue_token(user=user, name=kwargs.pop("name", "test"), **kwargs)[1]


@pytest.fixture
def client_as(role_user):
    """client_as(role) -> an APIClient authenticated with a token of a user in that role."""

    def make(role):
        user = role_user(role)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        client.user = user
        return client

    return make


def pytest_configure(config):
    from common.testing import canary

    canary.install()


def pytest_sessionfinish(session, exitstatus):
    from common.testing import canary

    if canary.sightings:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["", f"CANARY SECRET SURFACED {len(canary.sightings)} time(s):", *canary.sightings[:50]]
        if reporter:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = 1
