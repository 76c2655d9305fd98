"""Single sign-on against a real OpenID provider on 127.0.0.1 (tests/fakes/oidc_provider.py):
the code flow with PKCE, state and nonce; roles that follow the provider's groups; refusals."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from compliance_site.models import OidcIdentity

from .fakes.oidc_provider import FakeOpenIDProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    fake = FakeOpenIDProvider().start()
    settings.OIDC_ISSUER = fake.url
    settings.OIDC_CLIENT_ID = fake.client_id
    settings.OIDC_CLIENT_SECRET = fake.client_secret
    settings.OIDC_ALLOW_HTTP = True
    settings.OIDC_ROLE_MAP = f"grc-managers={COMPLIANCE_MANAGER},auditors={AUDITOR},everyone={VIEWER}"
    yield fake
    fake.stop()


def sign_in(client, *, next_url="/dashboard/", tamper_state=False):
    """Walk the browser's part: our login redirect, the provider's authorize redirect, our callback."""
    start = client.get("/auth/oidc/login/", {"next": next_url})
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and "openid" in query["scope"][0]
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    params = parse_qs(callback.query)
    if tamper_state:
        params["state"] = ["a-state-we-never-sent"]
    return client.get(callback.path, {key: values[0] for key, values in params.items()})


def test_first_sign_in_makes_the_user_with_their_mapped_role(client, provider):
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user = get_user_model().objects.get(username="alice.sso")
    assert set(user.groups.values_list("name", flat=True)) == {COMPLIANCE_MANAGER}
    assert user.email == "alice@corp.test" and user.is_staff and not user.has_usable_password()
    assert OidcIdentity.objects.get(user=user).subject == "idp-user-1"
    assert client.get("/dashboard/").status_code == 200
    token_call = provider.calls("/token")[0]
    assert "code_verifier" in token_call.form()  # PKCE went all the way
    assert AuditLog.objects.filter(action="login", actor_id=user.pk).exists()


def test_roles_follow_the_groups_at_every_sign_in_and_other_groups_stay(client, provider):
    sign_in(client)
    user = get_user_model().objects.get(username="alice.sso")
    team = user.groups.create(name="Payments team")
    client.logout()
    provider.user["groups"] = ["auditors"]
    assert sign_in(client).status_code == 302
    assert set(user.groups.values_list("name", flat=True)) == {AUDITOR, team.name}
    client.logout()
    provider.user["groups"] = []  # removed from every mapped group: no role
    assert sign_in(client).status_code == 302
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {team.name} and not user.is_staff
    assert client.get("/dashboard/").status_code == 403  # signed in, allowed to read nothing


def test_a_viewer_from_sso_reaches_the_dashboard_but_not_the_admin(client, provider):
    provider.user["groups"] = ["everyone"]
    sign_in(client)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/admin/").status_code == 302  # not staff: the admin asks for another sign-in


@pytest.mark.parametrize("tamper", ["nonce", "expired", "audience", "audience_with_azp", "unknown_key", "state"])
def test_a_tampered_sign_in_is_refused_and_nobody_is_signed_in(client, provider, tamper):
    if tamper == "state":
        response = sign_in(client, tamper_state=True)
    else:
        provider.tamper.add(tamper)
        response = sign_in(client)
    assert response.status_code == 400, (tamper, response.status_code)
    assert "Sign-in failed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(username="alice.sso").exists()
    refusal = AuditLog.objects.get(action="login_failed", message__startswith="Single sign-on refused")
    expected = {
        "nonce": "nonce",
        "expired": "expired",
        "audience": "aud",
        "audience_with_azp": "aud",
        "unknown_key": "rogue-9",
        "state": "State",
    }[tamper]
    assert expected in refusal.message, refusal.message


def test_the_next_page_must_be_ours(client, provider):
    response = sign_in(client, next_url="https://evil.example/steal")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_sign_in_pages_offer_sso_when_configured(client, provider, settings):
    assert "/auth/oidc/login/" in client.get("/admin/login/").content.decode()
    assert "/auth/oidc/login/" in client.get("/dashboard/login/").content.decode()
    settings.OIDC_ISSUER = ""
    assert "/auth/oidc/login/" not in client.get("/admin/login/").content.decode()
    assert client.get("/auth/oidc/login/").status_code == 404


def test_password_sign_in_can_be_kept_for_superusers_only(client, settings):
    settings.PASSWORD_LOGIN_SUPERUSERS_ONLY = True
    regular = UserFactory(username="pw-user", roles=[COMPLIANCE_MANAGER], is_staff=True)
    root = UserFactory(username="pw-root", is_staff=True, is_superuser=True)
    for user in (regular, root):
        user.set_password("correct-horse-battery")
        user.save()
    assert not client.login(username="pw-user", password="correct-horse-battery")
    assert client.login(username="pw-root", password="correct-horse-battery")
    from rest_framework.test import APIClient

    api = APIClient()
    assert (
        api.post("/api/v1/auth/token/", {"username": "pw-user", "password": "correct-horse-battery"}).status_code == 400
    )


def test_the_dashboard_sign_in_admits_any_role_holder_but_not_a_user_without_one(client):
    viewer = UserFactory(username="dash-viewer", roles=[VIEWER])  # not staff: the admin would refuse
    nobody = UserFactory(username="dash-nobody")
    for user in (viewer, nobody):
        user.set_password("correct-horse-battery")
        user.save()
    refused = client.post("/dashboard/login/", {"username": "dash-nobody", "password": "correct-horse-battery"})
    assert refused.status_code == 200 and "holds no role" in refused.content.decode()
    admitted = client.post("/dashboard/login/", {"username": "dash-viewer", "password": "correct-horse-battery"})
    assert admitted.status_code == 302
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sso_sign_in_in_chromium_from_the_dashboard_login_to_the_dashboard(browser, live_server, provider):
    """A real browser follows the redirects: our login page, the provider, our callback."""
    from common.testing.browser import ARTIFACTS

    page = browser.new_page()
    page.goto(f"{live_server.url}/dashboard/login/")
    page.screenshot(path=str(ARTIFACTS / "sso-login-page.png"), full_page=True)
    page.click("text=Sign in with single sign-on")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator("h1").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "sso-signed-in.png"), full_page=True)
    user = get_user_model().objects.get(username="alice.sso")
    assert set(user.groups.values_list("name", flat=True)) == {COMPLIANCE_MANAGER}
