"""Production settings refuse to start without their required values."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _django_check(**env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"KIVERBUND_PROFILE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PLATFORM_DOMAIN", "DEBUG"}}
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO, capture_output=True, text=True,
                          env={**base, "DJANGO_SETTINGS_MODULE": "kiverbund.settings", **env})


def test_production_needs_secrets_and_urls():
    result = _django_check()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_names_the_missing_database_url():
    result = _django_check(SECRET_KEY="s" * 50, PLATFORM_DOMAIN="ki.example.de")
    assert result.returncode != 0 and "DATABASE_URL must be set" in result.stderr


def test_bad_boolean_is_refused():
    result = _django_check(DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


def test_complete_production_settings_start(tmp_path):
    result = _django_check(SECRET_KEY="s" * 50, PLATFORM_DOMAIN="ki.example.de",
                           DATABASE_URL="postgres://u@db.invalid:5432/x", REDIS_URL="redis://cache.invalid:6379/0",
                           KEYCLOAK_URL="https://login.example.de", KEYCLOAK_ADMIN_USER="kiverbund",
                           KEYCLOAK_ADMIN_PASSWORD="p" * 20)
    assert result.returncode == 0, result.stderr
