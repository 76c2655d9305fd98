import pytest


@pytest.fixture(autouse=True)
def local_outbound(settings):
    """The receivers are on 127.0.0.1 over http: allowed here as an on-premise setting would."""
    settings.INTEGRATIONS_ALLOW_HTTP = True
    settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_BACKOFF_SECONDS = 0


@pytest.fixture
def sealed():
    """sealed() seals this (never committed) test transaction's entries, as a commit would."""
    from audit.chain import seal_pending

    return seal_pending
