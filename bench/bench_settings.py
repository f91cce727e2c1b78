"""Settings of benchmark subprocesses: the development settings, plus throwaway town apps.

``KIVERBUND_BENCH_TENANT_APPS`` (comma-separated) names apps that live in a
temporary directory on ``PYTHONPATH``; ``bench/onboarding.py`` uses it to
apply a generated migration to every town schema without writing into the
repository.
"""

import os

from devtools.settings import *  # noqa: F403
from devtools.settings import SHARED_APPS, TENANT_APPS

_EXTRA_TENANT_APPS = [app for app in os.environ.get("KIVERBUND_BENCH_TENANT_APPS", "").split(",") if app]

TENANT_APPS = [*TENANT_APPS, *_EXTRA_TENANT_APPS]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
