"""Ed25519 signing of tree checkpoints as C2SP signed notes (https://c2sp.org/signed-note).

A checkpoint's note (https://c2sp.org/tlog-checkpoint) is

    <origin>\\n<tree size>\\n<base64 root hash>\\n
    \\n
    — <key name> <base64(key hash (4 bytes) || Ed25519 signature (64 bytes))>\\n

signed over its first three lines. The key hash is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key): 0x01 names the Ed25519 algorithm.

The private key never enters the database: AUDIT_SIGNING_KEY (base64 of the 32-byte
seed) or AUDIT_SIGNING_KEY_FILE (that, or a PEM PKCS#8 private key). Whoever can rewrite
the database then still cannot sign a rewritten tree.
"""

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ED25519 = b"\x01"
EM_DASH = "\u2014"


@dataclass(frozen=True)
class SigningKey:
    name: str
    private: Ed25519PrivateKey
    public: bytes  # 32 raw bytes

    @property
    def key_hash(self):
        return key_hash(self.name, self.public)

    @property
    def key_id(self):
        return self.key_hash.hex()

    @property
    def public_b64(self):
        return base64.b64encode(self.public).decode()


def key_hash(name, public):
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def origin():
    return settings.AUDIT_LOG_ORIGIN


def _private_from_text(text):
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("The audit signing key must be an Ed25519 key.")
        return key
    try:
        seed = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("The audit signing key is neither PEM nor base64.") from exc
    if len(seed) != 32:
        raise ImproperlyConfigured("The audit signing key must be the base64 of 32 bytes (an Ed25519 seed).")
    return Ed25519PrivateKey.from_private_bytes(seed)


@lru_cache(maxsize=8)
def _load(text, name):
    private = _private_from_text(text)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(name=name, private=private, public=public)


def configured():
    return bool(getattr(settings, "AUDIT_SIGNING_KEY", None) or getattr(settings, "AUDIT_SIGNING_KEY_FILE", None))


def current_key():
    """The key that signs from now on; ImproperlyConfigured when none is set."""
    text = getattr(settings, "AUDIT_SIGNING_KEY", None)
    path = getattr(settings, "AUDIT_SIGNING_KEY_FILE", None)
    if not text and path:
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read()
        except OSError as exc:
            raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE cannot be read: {exc.strerror}") from exc
    if not text:
        raise ImproperlyConfigured("Neither AUDIT_SIGNING_KEY nor AUDIT_SIGNING_KEY_FILE is set: no checkpoints.")
    return _load(text, settings.AUDIT_SIGNING_KEY_NAME or origin())


def note_body(size, root):
    return f"{origin()}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(body, key):
    signature = key.private.sign(body.encode())
    line = f"{EM_DASH} {key.name} {base64.b64encode(key.key_hash + signature).decode()}\n"
    return f"{body}\n{line}"
