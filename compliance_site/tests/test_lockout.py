"""Five failed sign-ins for one user from one IP lock that pair out for a cool-off."""

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditLog
from common.roles import AUDITOR
from compliance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = "correct-horse-battery"


def token(username, password, ip="10.0.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


@pytest.fixture
def user():
    return UserFactory(username="target", roles=[AUDITOR])


def test_five_failures_lock_the_user_from_that_ip(user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1000/min"}}
    for _ in range(5):
        assert token("target", "wrong").status_code == 400
    locked = token("target", GOOD)
    assert locked.status_code == 400 and "token" not in locked.json()
    assert token("target", GOOD, ip="10.0.0.2").status_code == 200  # another address is not locked out
    entry = AuditLog.objects.get(action="login_locked_out")
    assert entry.impact_level == "high"
    assert "target" in entry.message and "10.0.0.1" in entry.message


def test_lock_ends_after_the_cool_off(user, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(5):
        token("target", "wrong")
    assert token("target", GOOD).status_code == 400
    time.sleep(1.5)  # let the lock expire; nothing is timed here
    assert token("target", GOOD).status_code == 200


def test_success_resets_the_count(user):
    for _ in range(4):
        token("target", "wrong")
    assert token("target", GOOD).status_code == 200
    for _ in range(4):
        token("target", "wrong")
    assert token("target", GOOD).status_code == 200
    assert not AuditLog.objects.filter(action="login_locked_out").exists()


def test_admin_login_form_is_locked_too_and_needs_csrf(user):
    user.is_staff = True
    user.save()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/admin/login/", {"username": "target", "password": GOOD})
    assert response.status_code == 403  # no CSRF token: refused before any password check
    browser.get("/admin/login/")
    csrf = browser.cookies["csrftoken"].value
    for _ in range(5):
        browser.post("/admin/login/", {"username": "target", "password": "wrong", "csrfmiddlewaretoken": csrf})
    response = browser.post("/admin/login/", {"username": "target", "password": GOOD, "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    assert AuditLog.objects.filter(action="login_locked_out").count() == 1
