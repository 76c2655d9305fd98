"""Production-shaped settings for benchmarks: DEBUG off, Redis cache, no test-only middleware.

The test settings add a canary-scanning middleware and a per-process cache; a benchmark
should pay what production pays, no more and no less.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktMDEyMzQ1Njc4OWE=")
os.environ.setdefault("AUDIT_CHECKPOINT_HMAC_KEY", "bench-only-audit-checkpoint-key-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("REDIS_CACHE_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")

from .settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"  # bench/ is on sys.path when a benchmark runs
# No collectstatic for a benchmark: whitenoise serves from the finders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
