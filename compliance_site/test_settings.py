"""Settings for the test suite: real PostgreSQL and Redis, test-only keys."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI=")
os.environ.setdefault("AUDIT_CHECKPOINT_HMAC_KEY", "test-only-audit-checkpoint-key-0123456789abcdef")
# An Ed25519 seed for signing tree checkpoints in tests (audit/signing.py).
os.environ.setdefault("AUDIT_SIGNING_KEY", "dGVzdC1vbmx5LWF1ZGl0LXNpZ25pbmcta2V5LTAxMjM=")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/compliance")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
VAR_DIR = BASE_DIR / "var" / "test"  # noqa: F405
REPORTS_STORAGE_DIR = VAR_DIR / "reports"
STORAGES = {
    **STORAGES,  # noqa: F405
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "evidence"), "base_url": None},
    },
}
# Tests that need a broker run a real worker; everything else must not block on one.
CELERY_TASK_ALWAYS_EAGER = False
# No collectstatic in the suite: serve from the finders with unhashed names.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
# Per-process cache, cleared around every test (root conftest), so lockout counters never leak.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Every response is searched for the test canary secret (common/testing/canary.py).
MIDDLEWARE = [*MIDDLEWARE, "common.testing.canary.CanaryResponseMiddleware"]  # noqa: F405
