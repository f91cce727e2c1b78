"""Test settings: the embedded servers of the ``test`` profile unless URLs are set."""

import os

os.environ.setdefault("KIVERBUND_PROFILE", "test")

from devtools.settings import *  # noqa: E402,F403
from devtools.stack import RUN_ROOT  # noqa: E402

# A test-only service proves the registry, entitlement and KI-Register until real services land.
SHARED_APPS = [*SHARED_APPS, "catalog.testing.echo"]  # noqa: F405
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]  # noqa: F405

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = RUN_ROOT / "test" / "media"
EXPORT_ROOT = RUN_ROOT / "test" / "exports"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES["default"]["KEY_PREFIX"] = "kiverbund-test"  # noqa: F405
STATIC_ROOT = RUN_ROOT / "test" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Onboarding creates Keycloak organizations only in the tests that switch it on (the `sso` fixture).
KEYCLOAK_PROVISIONING = False
# One test database per pytest process, so runs side by side do not collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_kiverbund_{os.getpid()}"}  # noqa: F405
# The generative-mode tests run their model server on loopback.
OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
