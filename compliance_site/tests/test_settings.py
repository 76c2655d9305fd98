"""Production refuses development keys, and `check --deploy` is clean with real settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEYS",
            "AUDIT_CHECKPOINT_HMAC_KEY",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def production_env():
    return {
        "SECRET_KEY": "p" * 20 + "-production-secret-for-the-deploy-check-" + "q" * 10,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "AUDIT_CHECKPOINT_HMAC_KEY": "production-audit-checkpoint-key-0123456789abcdef",
        "ALLOWED_HOSTS": "compliance.example.com",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    }


def test_refuses_to_start_without_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_refuses_the_development_secret_key():
    result = manage("check", **{**production_env(), "SECRET_KEY": "dev-insecure-secret-key-do-not-use-in-production"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_refuses_the_development_encryption_key():
    env = {**production_env(), "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_refuses_to_start_without_an_audit_checkpoint_key():
    env = production_env()
    del env["AUDIT_CHECKPOINT_HMAC_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "AUDIT_CHECKPOINT_HMAC_KEY" in result.stderr


def test_development_keys_only_with_debug():
    result = manage("check", DEBUG="1", DATABASE_URL="sqlite:////tmp/deploy-check.sqlite3")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_malformed_boolean_is_a_clear_error(value):
    result = manage("check", **{**production_env(), "DEBUG": value})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
