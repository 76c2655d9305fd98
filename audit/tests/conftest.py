import pytest

from audit.chain import seal_pending

CHECKPOINT_KEY = "test-only-audit-checkpoint-key"


@pytest.fixture(autouse=True)
def checkpoint_key(settings):
    settings.AUDIT_CHECKPOINT_HMAC_KEY = CHECKPOINT_KEY
    return CHECKPOINT_KEY


@pytest.fixture
def sealed():
    """sealed() seals this (never committed) test transaction's entries, as a commit would."""
    return seal_pending
