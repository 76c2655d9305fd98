"""/healthz checks the cache sign-ins depend on, additively to its database/broker/workers keys."""

import pytest

pytestmark = pytest.mark.django_db

# Nothing listens on port 1; the site's own fail-fast socket timeouts.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_healthz_reports_the_cache_next_to_the_existing_keys(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert {"database", "broker", "workers", "cache", "version"} <= body.keys()
    assert body["cache"] == "ok"
    # Rows that fell into a partitioned table's DEFAULT guard (none: partitions are made ahead).
    assert set(body["partition_default_rows"].values()) == {0}


def test_healthz_is_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["cache"] == "error"
    assert body["database"] == "ok"  # the database is fine: the cache alone makes it 503


def test_healthz_is_503_when_the_cache_table_is_missing(client, settings):
    # The deployment bug this check exists for: the database cache without its table.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_cache_table"}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error"
