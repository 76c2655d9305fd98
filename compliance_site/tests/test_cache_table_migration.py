"""`migrate` alone leaves a working deployment on the database cache: no createcachetable step.

Without REDIS_CACHE_URL the shared cache is a database table. A deployment that migrated
but never ran `createcachetable` answered 500 on every sign-in (relation "django_cache"
does not exist). Each test migrates an EMPTY database in a subprocess with the site's own
settings (not the suite's, whose cache is in memory), then signs in through the admin.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# Run by `manage.py shell` against the migrated database: a first superuser signs in
# through the admin's login form, as an operator would after the README's steps.
SIGN_IN = """
from django.contrib.auth import get_user_model
from django.test import Client

password = "deploy-admin-password-0123"
get_user_model().objects.create_superuser("deploy-admin", "admin@example.com", password)
client = Client(raise_request_exception=False)
login = client.post("/admin/login/?next=/admin/", {"username": "deploy-admin", "password": password})
print("login", login.status_code, login.get("Location"))
print("admin", client.get("/admin/").status_code)
health = client.get("/healthz")
print("healthz", health.status_code, health.json()["cache"])
"""


def manage(*args, database_url, var_dir):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_CACHE_URL", "CELERY_BROKER_URL"}
    }
    # DEBUG only spares collectstatic (production's static storage needs its manifest);
    # the cache and session settings are the same with it on or off.
    env.update(DEBUG="1", DATABASE_URL=database_url, VAR_DIR=str(var_dir), ALLOWED_HOSTS="testserver")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def migrate_and_sign_in(database_url, var_dir):
    migrated = manage("migrate", "--noinput", database_url=database_url, var_dir=var_dir)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    # The roles are rebuilt after the last migration and write the permission cache: no
    # cache error may be logged on the way (commit 311f902's first-start tracebacks).
    assert "Traceback" not in migrated.stderr and "permission cache" not in migrated.stderr, migrated.stderr
    signed_in = manage("shell", "--no-imports", "-c", SIGN_IN, database_url=database_url, var_dir=var_dir)
    assert signed_in.returncode == 0, signed_in.stdout + signed_in.stderr
    assert signed_in.stdout.splitlines() == ["login 302 /admin/", "admin 200", "healthz 200 ok"], (
        signed_in.stdout + signed_in.stderr
    )


@pytest.fixture
def scratch_postgres():
    """An empty PostgreSQL database of its own, dropped afterwards; yields its URL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    db = settings.DATABASES["default"]
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    name = f"scratch_migrate_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = server["user"] + (f":{server['password']}" if server["password"] else "")
    try:
        yield f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrate_on_an_empty_postgres_database_is_enough_to_sign_in(scratch_postgres, tmp_path):
    migrate_and_sign_in(scratch_postgres, tmp_path)


def test_migrate_on_an_empty_sqlite_database_is_enough_to_sign_in(tmp_path):
    migrate_and_sign_in(f"sqlite:///{tmp_path / 'deploy.sqlite3'}", tmp_path)


def test_the_migration_is_reversible_and_idempotent(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    # As a deployment that followed the old README: the table exists before migrate.
    for step in (
        ["createcachetable"],
        ["migrate", "--noinput"],
        ["migrate", "--noinput", "compliance_site", "zero"],
        ["migrate", "--noinput"],
    ):
        result = manage(*step, database_url=database_url, var_dir=tmp_path)
        assert result.returncode == 0, f"{step}: {result.stdout}{result.stderr}"


@pytest.mark.django_db
def test_no_table_is_created_for_a_cache_that_is_not_in_the_database():
    # The suite's cache is in memory and its database was migrated with it.
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert "django_cache" not in connection.introspection.table_names()
