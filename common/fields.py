"""Fernet-encrypted JSON field on cryptography's MultiFernet.

Keys come from settings.FIELD_ENCRYPTION_KEYS (newest first): the first key encrypts,
every key decrypts, so keys can be rotated without downtime (rotate_encryption_keys
re-encrypts old values). The keys are dedicated; nothing is derived from SECRET_KEY.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """A stored value does not decrypt with any configured key.

    The message names no value: the ciphertext is useless to a reader and the plaintext
    is unknown.
    """


def _fernet_keys():
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: encrypted fields cannot be used.")
    try:
        return [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys of 32 bytes.") from exc


def multi_fernet():
    return MultiFernet(_fernet_keys())


def encrypt_json(value):
    return multi_fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")


def decrypt_json(token):
    try:
        plaintext = multi_fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError(
            "Stored credentials cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS "
            "(wrong or missing key, or a damaged value). Re-enter the credentials or restore the old key."
        ) from None
    return json.loads(plaintext)


def rotate_token(token):
    """Re-encrypt one stored token with the newest key (raises DecryptionError)."""
    try:
        return multi_fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError("A stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS.") from None


class EncryptedJSONField(models.TextField):
    """A JSON object stored as one Fernet token; the column never holds plaintext.

    Strict: a token that will not decrypt raises DecryptionError instead of being
    returned as if it were plaintext.
    """

    description = "JSON encrypted with Fernet (MultiFernet over FIELD_ENCRYPTION_KEYS)"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return {}
        return decrypt_json(value)

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            return decrypt_json(value)
        raise TypeError("Encrypted credentials must be a JSON object.")

    def get_prep_value(self, value):
        value = self.to_python(value)
        return encrypt_json(value)

    def value_to_string(self, obj):
        # Serialisation (dumpdata) keeps the ciphertext, never the plaintext.
        return self.get_prep_value(self.value_from_object(obj))
