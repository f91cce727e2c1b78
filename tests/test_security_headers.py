"""Security headers and transport settings: CSP on every page, HSTS and the HTTPS redirect in production,
finance pages and reports never cached, and ``check --deploy`` clean with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client

from .conftest import host_client

REPO = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50), "PLATFORM_DOMAIN": "ki.example.de", "PUBLIC_SCHEME": "https",
    "PUBLIC_PORT": "443", "DATABASE_URL": "postgres://u@db.invalid:5432/x", "REDIS_URL": "redis://cache.invalid:6379/0",
    "KEYCLOAK_URL": "https://login.example.de", "KEYCLOAK_ADMIN_USER": "kiverbund",
    "KEYCLOAK_ADMIN_PASSWORD": "p" * 20, "TRUSTED_PROXIES": "10.0.0.0/8", "SECURE_PROXY_SSL_HEADER": "true",
}


def test_check_deploy_is_clean_with_production_settings():
    base = {k: v for k, v in os.environ.items()
            if k not in {"KIVERBUND_PROFILE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PLATFORM_DOMAIN", "DEBUG",
                         "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=REPO, capture_output=True, text=True,
                            env={**base, "DJANGO_SETTINGS_MODULE": "kiverbund.settings", **PRODUCTION})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_pages_and_api_carry_a_content_security_policy(town_a, console_host):
    for response in (Client(HTTP_HOST=town_a.host).get("/ki-register/"),
                     Client(HTTP_HOST=town_a.host).get("/api/v1/town/"),
                     Client(HTTP_HOST=console_host).get("/accounts/login/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_production_redirects_to_https_and_sends_hsts(town_a, settings):
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client(HTTP_HOST=town_a.host).get("/ki-register/")
    assert plain.status_code == 301 and plain["Location"] == f"https://{town_a.host}/ki-register/"
    secure = Client(HTTP_HOST=town_a.host).get("/ki-register/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    # Probes of the orchestrator still get their answer over plain HTTP.
    assert Client().get("/healthz").status_code == 200


def test_finance_pages_and_reports_are_never_cached(town_a, member_factory, console_host):
    from tenants.models import Role

    from .billing.test_finance_api import county_finance

    kaemmerei = host_client(town_a.host, member_factory(town_a, Role.FINANCE))
    for response in (kaemmerei.get("/finance/"), kaemmerei.get("/finance/download/csv/?period=2026-01"),
                     kaemmerei.get("/api/v1/finance/statements/"),
                     host_client(console_host, county_finance()).get("/finance/"),
                     host_client(console_host, county_finance()).get("/api/v1/billing/statements/")):
        assert "no-store" in response["Cache-Control"], response
