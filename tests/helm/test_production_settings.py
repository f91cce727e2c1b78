"""The settings the chart's production values give: ``manage.py check --deploy`` is clean, proxy-aware."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from .chart import CHART, REPO, container_env, named, pod_spec, render

PRODUCTION = CHART / "ci" / "production-values.yaml"


def production_env(profile_urls: bool = True) -> dict[str, str]:
    web = pod_spec(named(render([PRODUCTION]), "Deployment", "-web"))["containers"][0]
    from devtools.stack import get_profile

    profile = get_profile("test")
    values = {
        ("kiverbund-django", "SECRET_KEY"): secrets.token_urlsafe(50),
        ("kiverbund-database", "DATABASE_URL"): profile.database_url,
        ("kiverbund-redis", "REDIS_URL"): profile.redis_url,
        ("kiverbund-keycloak-admin", "KEYCLOAK_ADMIN_USER"): "admin",
        ("kiverbund-keycloak-admin", "KEYCLOAK_ADMIN_PASSWORD"): "not-used-by-check",
        ("kiverbund-metrics", "METRICS_TOKEN"): "scrape-token",
    }
    env = container_env(web, values)
    # The process environment minus anything that would point the settings at a profile or test settings.
    base = {key: value for key, value in os.environ.items()
            if key not in ("KIVERBUND_PROFILE", "DJANGO_SETTINGS_MODULE", "DEBUG")}
    return {**base, **env}


def test_check_deploy_is_clean_with_the_production_values():
    env = production_env()
    assert env["DJANGO_SETTINGS_MODULE"] == "kiverbund.settings" and env["DEBUG"] == "false"
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_honour_the_ingress():
    env = production_env()
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LOG_FORMAT, "
        "s.METRICS_CELERY_QUEUES, s.PLATFORM_DOMAIN)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO / "platform", env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.strip()
    assert out == ("('HTTP_X_FORWARDED_PROTO', 'https') True 63072000 True True True True json "
                   "['kiverbund', 'kiverbund-bulk'] ki.landkreis-musterland.de")
