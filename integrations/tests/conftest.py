"""Integration test fixtures: vendor fakes on 127.0.0.1 and settings that let us reach them."""

import pytest

from compliance.tests.factories import FrameworkFactory, RuleFactory

from .fakes.azure import FakeAzure
from .fakes.gcp import FakeGcp, new_service_account
from .fakes.jira import FakeJira
from .fakes.servicenow import FakeServiceNow
from .fakes.splunk import FakeSplunk

CANARY = "CANARY-7f3e9b1c-do-not-leak-4242"


@pytest.fixture(autouse=True)
def local_outbound(settings):
    """The fakes are plain http on loopback: allow both, and keep retries fast."""
    settings.INTEGRATIONS_ALLOW_HTTP = True
    settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True
    settings.INTEGRATIONS_BACKOFF_SECONDS = 0.01
    settings.INTEGRATIONS_MAX_BACKOFF_SECONDS = 0.05
    settings.INTEGRATIONS_READ_TIMEOUT = 5
    return settings


def _serve(fake):
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def servicenow():
    yield from _serve(FakeServiceNow())


@pytest.fixture
def jira():
    yield from _serve(FakeJira())


@pytest.fixture
def splunk():
    yield from _serve(FakeSplunk())


@pytest.fixture
def azure():
    yield from _serve(FakeAzure())


@pytest.fixture(scope="session")
def service_account():
    return new_service_account()


@pytest.fixture
def gcp(service_account):
    yield from _serve(FakeGcp(public_key=service_account[1]))


@pytest.fixture
def framework(db):
    return FrameworkFactory(code="cis")


@pytest.fixture
def rule(framework):
    return RuleFactory(name="Storage requires HTTPS", framework=framework, severity="high")
