"""Credentials at rest: encrypted with MultiFernet, never plaintext in the column, rotatable."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from integrations.fields import DecryptionError
from integrations.models import Integration

from .conftest import CANARY
from .factories import make_integration

pytestmark = pytest.mark.django_db


def raw_column(integration):
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_integration WHERE id = %s", [integration.pk])
        return cursor.fetchone()[0]


def splunk_with_canary():
    return make_integration(
        "splunk", config={"hec_url": "https://splunk.example.com:8088"}, credentials={"hec_token": CANARY}
    )


def test_column_holds_a_fernet_token_not_plaintext():
    integration = splunk_with_canary()
    raw = raw_column(integration)
    assert CANARY not in raw and "hec_token" not in raw
    assert raw.startswith("gAAAAA")  # Fernet version byte, base64
    assert Integration.objects.get(pk=integration.pk).credentials == {"hec_token": CANARY}


def test_value_that_will_not_decrypt_raises_a_clear_error(settings):
    integration = splunk_with_canary()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError, match="cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS") as info:
        Integration.objects.get(pk=integration.pk)
    assert CANARY not in str(info.value)


def test_rotation_re_encrypts_with_the_newest_key_and_old_key_can_go(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    integration = splunk_with_canary()
    before = raw_column(integration)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert Integration.objects.get(pk=integration.pk).credentials == {"hec_token": CANARY}  # old key still reads
    call_command("rotate_encryption_keys")
    after = raw_column(integration)
    assert after != before and CANARY not in after
    assert Fernet(new_key.encode()).decrypt(after.encode())  # the newest key alone decrypts it
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert Integration.objects.get(pk=integration.pk).credentials == {"hec_token": CANARY}


def test_rotation_is_all_or_nothing_when_a_value_will_not_decrypt(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    readable = splunk_with_canary()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # a key that is then lost
    lost = make_integration("splunk", config={"hec_url": "https://s2.example.com"}, credentials={"hec_token": "x" * 12})
    readable_raw = raw_column(readable)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    with pytest.raises(CommandError, match=f"Integration {lost.pk}: stored credentials cannot be decrypted"):
        call_command("rotate_encryption_keys")
    assert raw_column(readable) == readable_raw  # rotated in the transaction, then rolled back
