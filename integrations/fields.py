"""The encrypted field now lives in common/fields.py (webhooks use it too); integrations'
migrations and callers still name it here."""

from common.fields import DecryptionError, EncryptedJSONField, decrypt_json, encrypt_json, multi_fernet, rotate_token

__all__ = ["DecryptionError", "EncryptedJSONField", "decrypt_json", "encrypt_json", "multi_fernet", "rotate_token"]
