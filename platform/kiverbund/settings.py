"""Settings of the KI-Verbund platform, read from the environment (the production settings).

Outside debug mode every value that has no safe default must be set
(``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``, ``PLATFORM_DOMAIN``, Keycloak's); the
process refuses to start otherwise. Nothing here knows the development tooling: ``devtools.settings``
fills the environment with the embedded servers of a profile and then reads these settings.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import client_address, env
from kiverbund.discovery import service_apps

BASE_DIR = Path(__file__).resolve().parent
# Default folders for files when run from a checkout (platform/kiverbund/ is two levels down).
SOURCE_ROOT = BASE_DIR.parents[1]

DEBUG = env.get_bool("DEBUG", default=False)
# Outside debug mode every value must be given.
_required_in_production = not DEBUG

SECRET_KEY = env.get_str("SECRET_KEY", "insecure-development-key-do-not-use", required=_required_in_production)
PLATFORM_DOMAIN = env.get_str("PLATFORM_DOMAIN", "kiverbund.localhost", required=_required_in_production).lower()
# Port the product is reached on, for links printed in mails and the console.
PUBLIC_PORT = env.get_int("PUBLIC_PORT", 8000)
PUBLIC_SCHEME = env.get_str("PUBLIC_SCHEME", "http")

DATABASE_URL = env.get_str("DATABASE_URL", "", required=_required_in_production)
REDIS_URL = env.get_str("REDIS_URL", "", required=_required_in_production)
if not DATABASE_URL:
    raise ImproperlyConfigured("Set DATABASE_URL (in development DJANGO_SETTINGS_MODULE=devtools.settings uses the "
                               "embedded PostgreSQL).")
if not REDIS_URL:
    raise ImproperlyConfigured("Set REDIS_URL (in development DJANGO_SETTINGS_MODULE=devtools.settings uses the "
                               "embedded Redis).")

# --- behind a proxy -------------------------------------------------------------
# Address ranges (CIDR, comma-separated) of the reverse proxies / ingress controllers in front of the
# platform. Only from these peers is X-Forwarded-For believed (core.client_address); empty: the
# peer's address is the client's. Checked at start-up: a malformed range stops the process.
TRUSTED_PROXIES = env.get_list("TRUSTED_PROXIES", [])
client_address.parse_networks(TRUSTED_PROXIES)

ALLOWED_HOSTS = [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", "localhost", "127.0.0.1", *env.get_list("EXTRA_ALLOWED_HOSTS")]
CSRF_TRUSTED_ORIGINS = env.get_list(
    "CSRF_TRUSTED_ORIGINS",
    [f"{PUBLIC_SCHEME}://{PLATFORM_DOMAIN}:{PUBLIC_PORT}", f"{PUBLIC_SCHEME}://*.{PLATFORM_DOMAIN}:{PUBLIC_PORT}",
     f"{PUBLIC_SCHEME}://{PLATFORM_DOMAIN}", f"{PUBLIC_SCHEME}://*.{PLATFORM_DOMAIN}"],
)

# --- applications -----------------------------------------------------------
# public schema: towns, users, memberships, audit log, catalogue, subscriptions and billing
SHARED_APPS = [
    # Before django_tenants: our `migrate` (parallel, skips current schemas) replaces its own.
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "mozilla_django_oidc",
    "core",
    "core.audit",
    "identity",
    "portal",
    "billing",
    "catalog",
    "django.contrib.postgres",
]
# one schema per town: everything a town's services store. Every service app below services/ is found
# here, so adding a service never edits these settings (catalog.registry reads its descriptor).
TENANT_APPS = [
    "django.contrib.contenttypes",
    "core.documents",
    *service_apps(),
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Town"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New town schemas are cloned from this empty, fully migrated schema.
TENANT_BASE_SCHEMA = "_town_template"
# New towns replay the template's DDL (read with pg_dump once per template version); off: always
# use django-tenants' clone function.
TOWN_SCHEMA_FROM_DUMP = env.get_bool("TOWN_SCHEMA_FROM_DUMP", True)
# Set the search_path once per schema switch, not before every query: it halved the statements of
# a chatbot answer. django-tenants forgets the setting on rollbacks, which would undo it.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "kiverbund.urls_console"
ROOT_URLCONF = "kiverbund.urls_town"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "kiverbund.observability.RequestContextMiddleware",
    "portal.health.HealthMiddleware",
    "core.middleware.RequestSanityMiddleware",
    "tenants.middleware.TownMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "identity.sessions.SsoSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "tenants.middleware.MembershipMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.platform",
            ],
        },
    },
]

WSGI_APPLICATION = "kiverbund.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        engine="django_tenants.postgresql_backend",
        conn_max_age=env.get_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# An unreachable Redis must not hold a request for long (seconds; redis-py waits forever by default).
_CACHE_OPTIONS = {"socket_connect_timeout": env.get_float("CACHE_CONNECT_TIMEOUT", 0.5),
                  "socket_timeout": env.get_float("CACHE_TIMEOUT", 1.0)}
CACHES = {
    # Redis down is a cache miss (core.caching.FailOpenRedisCache): pages and APIs keep answering.
    "default": {
        "BACKEND": "core.caching.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": _CACHE_OPTIONS,
        # Every key carries the current schema: one town never reads another's entries.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": env.get_str("CACHE_KEY_PREFIX", "kiverbund"),
    },
    # The same Redis database, keys without a schema: for facts about towns that are read in a
    # town's schema and changed from the console's (entitlements).
    "shared": {
        "BACKEND": "core.caching.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": _CACHE_OPTIONS,
        "KEY_PREFIX": env.get_str("CACHE_KEY_PREFIX", "kiverbund") + ":shared",
    },
}

# --- files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.get_str("STATIC_ROOT", str(SOURCE_ROOT / "staticfiles")))
MEDIA_ROOT = Path(env.get_str("MEDIA_ROOT", str(SOURCE_ROOT / "media")))
MEDIA_URL = "/media/"
# Uploaded files live below MEDIA_ROOT/<schema>/ and are only served through
# views that check membership; nothing under MEDIA_ROOT is published directly.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
EXPORT_ROOT = Path(env.get_str("EXPORT_ROOT", str(SOURCE_ROOT / "exports")))
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Imports and uploads (core.uploads): the file, its rows, one field, what an XLSX may unpack to and by
# how much it may be compressed, how deeply a JSON file may nest.
UPLOAD_MAX_BYTES = env.get_int("UPLOAD_MAX_BYTES", 10_000_000)
IMPORT_MAX_ROWS = env.get_int("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_FIELD_CHARS = env.get_int("IMPORT_MAX_FIELD_CHARS", 100_000)
UPLOAD_MAX_UNPACKED_BYTES = env.get_int("UPLOAD_MAX_UNPACKED_BYTES", 100_000_000)
UPLOAD_MAX_COMPRESSION_RATIO = env.get_int("UPLOAD_MAX_COMPRESSION_RATIO", 100)
IMPORT_MAX_JSON_DEPTH = env.get_int("IMPORT_MAX_JSON_DEPTH", 20)

# --- i18n: German first -------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Berlin"
USE_TZ = True

# --- auth -----------------------------------------------------------------------
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database and are read through the shared cache (identity.session_store): a signed-in
# request needs no session query. A cached copy lives at most SESSION_CACHE_SECONDS.
SESSION_ENGINE = "identity.session_store"
SESSION_CACHE_ALIAS = "shared"
SESSION_CACHE_SECONDS = env.get_int("SESSION_CACHE_SECONDS", 60)
# The signed-in person's account row, read through the shared cache for as long (identity.backend);
# dropped whenever the account is saved or deleted.
AUTH_USER_CACHE_SECONDS = env.get_int("AUTH_USER_CACHE_SECONDS", 60)
# A portal session never outlives the SSO session behind it (Keycloak: 30 idle minutes, 10 hours at
# most; identity.bootstrap), and is re-checked against Keycloak every SSO_REVALIDATE_SECONDS.
SSO_SESSION_MAX_SECONDS = 10 * 60 * 60
SESSION_COOKIE_AGE = SSO_SESSION_MAX_SECONDS
SSO_REVALIDATE_SECONDS = env.get_int("SSO_REVALIDATE_SECONDS", 60)
# With Keycloak unreachable, a session lasts this long after its last successful check.
SSO_UNREACHABLE_GRACE_SECONDS = env.get_int("SSO_UNREACHABLE_GRACE_SECONDS", 300)
# Break-glass: password sessions of superusers end after an hour; five failed attempts per user name
# or per address lock the form for a quarter of an hour.
BREAK_GLASS_SESSION_SECONDS = env.get_int("BREAK_GLASS_SESSION_SECONDS", 3600)
BREAK_GLASS_MAX_FAILURES = env.get_int("BREAK_GLASS_MAX_FAILURES", 5)
BREAK_GLASS_LOCK_SECONDS = env.get_int("BREAK_GLASS_LOCK_SECONDS", 900)
SESSION_COOKIE_SECURE = env.get_bool("SESSION_COOKIE_SECURE", PUBLIC_SCHEME == "https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- transport security (production: PUBLIC_SCHEME=https) -----------------------------
# Behind a TLS-terminating proxy (the Kubernetes ingress): the proxy speaks plain HTTP to the pods and says in
# X-Forwarded-Proto what the client used. Only set this where every request passes that proxy: a client
# reaching the pods directly could claim https.
if env.get_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Plain HTTP is redirected to HTTPS, and browsers are told to use HTTPS only, for the platform domain and
# every town's host below it (HSTS with includeSubDomains). The health probes answer before the redirect.
_HTTPS = PUBLIC_SCHEME == "https"
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", _HTTPS)
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _HTTPS)
# Asking browsers to hard-code https (hstspreload.org) is hard to undo: the operator decides. Without it,
# `check --deploy` would only remind of it (security.W021), so that reminder is silenced.
SECURE_HSTS_PRELOAD = env.get_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- single sign-on (Keycloak) ---------------------------------------------------
KEYCLOAK_URL = env.get_str("KEYCLOAK_URL", "", required=_required_in_production)
KEYCLOAK_REALM = env.get_str("KEYCLOAK_REALM", "kiverbund")
# Admin API access for realm bootstrap, organizations and members (a master-realm admin).
KEYCLOAK_ADMIN_USER = env.get_str("KEYCLOAK_ADMIN_USER", "", required=_required_in_production)
KEYCLOAK_ADMIN_PASSWORD = env.get_str("KEYCLOAK_ADMIN_PASSWORD", "",
                                      required=_required_in_production)
# Off only in tests that do not exercise identity: onboarding then creates no Organization.
KEYCLOAK_PROVISIONING = env.get_bool("KEYCLOAK_PROVISIONING", True)
# How long an invitation link stays valid (Keycloak's link and the platform's invitation alike).
KEYCLOAK_INVITATION_DAYS = env.get_int("KEYCLOAK_INVITATION_DAYS", 7)
# "kiverbund" once the platform's email theme (platform/identity/keycloak_theme/) is installed in Keycloak:
# the invitation mail then names the town portal's address.
KEYCLOAK_EMAIL_THEME = env.get_str("KEYCLOAK_EMAIL_THEME", "")
OIDC_ISSUER = f"{KEYCLOAK_URL}/realms/{KEYCLOAK_REALM}"
API_AUDIENCE = "kiverbund-api"
OIDC_RP_CLIENT_ID = "kiverbund-portal"
OIDC_RP_CLIENT_SECRET = ""  # public client: PKCE instead of a secret
OIDC_USE_PKCE = True
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{OIDC_ISSUER}/protocol/openid-connect/auth"
OIDC_OP_TOKEN_ENDPOINT = f"{OIDC_ISSUER}/protocol/openid-connect/token"
OIDC_OP_USER_ENDPOINT = f"{OIDC_ISSUER}/protocol/openid-connect/userinfo"
OIDC_OP_JWKS_ENDPOINT = f"{OIDC_ISSUER}/protocol/openid-connect/certs"
OIDC_OP_LOGOUT_ENDPOINT = f"{OIDC_ISSUER}/protocol/openid-connect/logout"
OIDC_OP_LOGOUT_URL_METHOD = "identity.views.provider_logout_url"
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
# Signing keys are cached this long; with Keycloak down, cached keys keep validating tokens.
JWKS_CACHE_SECONDS = env.get_int("JWKS_CACHE_SECONDS", 300)
# Pages load code and styles only from the platform; forms post to it and to Keycloak (login, logout).
CONTENT_SECURITY_POLICY = env.get_str("CONTENT_SECURITY_POLICY", "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'",
    f"form-action 'self' {KEYCLOAK_URL}".strip(),
]))
# Password login stays off except for break-glass superusers (see docs/operators.md).
AUTHENTICATION_BACKENDS = [
    "identity.backend.KeycloakBackend",
    "identity.backend.BreakGlassBackend",
]

# --- billing ------------------------------------------------------------------------
# The provider that issues statements and XRechnungen (the county, Zweckverband or IT provider).
BILLING_PROVIDER_NAME = env.get_str("BILLING_PROVIDER_NAME", "KI-Verbund Landkreis Musterland")
BILLING_PROVIDER_STREET = env.get_str("BILLING_PROVIDER_STREET", "Landratsamtsplatz 1")
BILLING_PROVIDER_POSTCODE = env.get_str("BILLING_PROVIDER_POSTCODE", "99999")
BILLING_PROVIDER_CITY = env.get_str("BILLING_PROVIDER_CITY", "Musterhausen")
BILLING_PROVIDER_EMAIL = env.get_str("BILLING_PROVIDER_EMAIL", f"rechnung@{PLATFORM_DOMAIN}")
# XRechnung asks for the seller's contact person and phone, and the IBAN that payments go to.
BILLING_PROVIDER_CONTACT_NAME = env.get_str("BILLING_PROVIDER_CONTACT_NAME", "Kreiskasse")
BILLING_PROVIDER_PHONE = env.get_str("BILLING_PROVIDER_PHONE", "+49 9999 0000-0")
# A test IBAN (valid check digits) for the demo; operators set their own.
BILLING_PROVIDER_IBAN = env.get_str("BILLING_PROVIDER_IBAN", "DE02120300000000202051")
# How towns identify the provider on an e-invoice (EN 16931 BR-CO-26 wants at least one of the first three):
# an identifier the towns know it by (BT-29, e.g. its creditor number in their books), its legal registration
# (BT-30, e.g. a register number), its VAT id (BT-31, USt-IdNr.; never with VAT category "O"), its tax number
# (BT-32, Steuernummer).
BILLING_PROVIDER_ID = env.get_str("BILLING_PROVIDER_ID", "KV-MUSTERLAND-01")
BILLING_PROVIDER_REGISTRATION_ID = env.get_str("BILLING_PROVIDER_REGISTRATION_ID", "")
BILLING_PROVIDER_VAT_ID = env.get_str("BILLING_PROVIDER_VAT_ID", "")
BILLING_PROVIDER_TAX_NUMBER = env.get_str("BILLING_PROVIDER_TAX_NUMBER", "")
# Tax treatment of the shares (UNTDID 5305): "O" not taxable (cost sharing between public bodies, § 2b UStG),
# "E" exempt (give the exemption reason), "S" standard rate (BILLING_VAT_RATE per cent on top of the shares).
BILLING_VAT_CATEGORY = env.get_str("BILLING_VAT_CATEGORY", "O")
BILLING_VAT_RATE = env.get_str("BILLING_VAT_RATE", "19")
BILLING_VAT_EXEMPTION_REASON = env.get_str("BILLING_VAT_EXEMPTION_REASON", "")
# Days until a statement (invoice, Umlagebescheid) is due.
BILLING_PAYMENT_DAYS = env.get_int("BILLING_PAYMENT_DAYS", 30)
# The legal remedy (Rechtsbehelfsbelehrung) printed on every Umlagebescheid; the county words it.
BILLING_LEGAL_REMEDY = env.get_str("BILLING_LEGAL_REMEDY", (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden. Der "
    "Widerspruch ist schriftlich, in elektronischer Form oder zur Niederschrift beim Rechnungssteller (Anschrift "
    "oben) einzulegen."))
# Personnel cost per staff hour for valuing freed time (see billing/settings_defaults.py for the source).
BILLING_HOURLY_RATE = env.get_str("BILLING_HOURLY_RATE", "68.00")
# Plausible usage: the most one report may carry, the most a town may use of one unit of a service in a
# month (reports beyond it are refused; a billing run leaves a larger total out and says so), and how many
# days late a report from outside the platform may arrive. With these bounds no statement can overflow.
USAGE_MAX_PER_EVENT = env.get_int("USAGE_MAX_PER_EVENT", 100_000)
USAGE_MAX_PER_MONTH = env.get_int("USAGE_MAX_PER_MONTH", 10_000_000)
USAGE_MAX_AGE_DAYS = env.get_int("USAGE_MAX_AGE_DAYS", 45)

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "identity.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed by default: a town's members (or its service account) at a town host, county IT at the console.
    "DEFAULT_PERMISSION_CLASSES": ["identity.authentication.ClosedByDefault"],
    # Typed errors (core.errors) answer with their own status; views never match an error's text.
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KI-Verbund API",
    "DESCRIPTION": (
        "Operator and town API of the KI-Verbund platform, served at two kinds of host: the console host "
        "(PLATFORM_DOMAIN) for county IT and county finance, and each town's host (<town>.PLATFORM_DOMAIN) for "
        "the town's members, its service accounts and, where an endpoint says so, citizens. Each service's API "
        "is mounted at /api/v1/<service key>/ on town hosts and answers only for towns subscribed to it. "
        "Every endpoint is closed unless it states otherwise; malformed input is a 400 naming the field. The "
        "public KI-Register is /ki-register.json at a town's host (schema: catalog/schemas/ki-register.schema.json)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "TownStatusEnum": "tenants.models.TownStatus",
        "SubscriptionStatusEnum": "catalog.models.SubscriptionStatus",
        "PriceModelEnum": "catalog.models.PriceModel",
    },
}

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Separate deployments (or test runs) sharing one Redis keep their work apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env.get_str("CELERY_QUEUE", "celery")
# A task is acknowledged when it has finished: if its worker dies, the broker hands it to another
# worker (every task is idempotent). A worker killed outright (SIGKILL, a lost machine) cannot
# give its tasks back; Redis returns them after the visibility timeout, which must be longer than
# the longest task (a billing run, a town export), or a task still running is started a second time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.get_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600)}
# Redis restarted or briefly unreachable: workers and beat keep reconnecting instead of exiting.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "town-usage-stats": {
        "task": "tenants.dispatch_to_active_towns",
        "schedule": env.get_int("TOWN_STATS_INTERVAL_SECONDS", 3600),
        "args": ("tenants.collect_town_stats",),
    },
    # Cancelled subscriptions stop at their end date.
    "end-expired-subscriptions": {
        "task": "catalog.end_expired_subscriptions",
        "schedule": env.get_int("SUBSCRIPTION_END_INTERVAL_SECONDS", 3600),
    },
}
# Services' periodic tasks (their descriptors' ``periodic_tasks``) join this schedule when beat starts.
CELERY_BEAT_SCHEDULER = "catalog.schedule:ServiceScheduler"
# Endpoints a town configures (the chatbot's generative-mode model server) must resolve to public addresses;
# these CIDR ranges are allowed besides, e.g. the county's data centre "10.20.0.0/16" (core.outbound).
OUTBOUND_ALLOWED_NETWORKS = env.get_list("OUTBOUND_ALLOWED_NETWORKS", [])
client_address.parse_networks(OUTBOUND_ALLOWED_NETWORKS)

# --- observability --------------------------------------------------------------------
# json: one JSON object per log line (request id and town included), for the cluster's log collector.
LOG_FORMAT = env.get_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "kiverbund.observability.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(town)s %(request_id)s] %(message)s"},
        "json": {"()": "kiverbund.observability.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}},
}

# The pg_dump that reads the template schema's DDL for onboarding (TOWN_SCHEMA_FROM_DUMP); empty: the
# one on PATH. It must be at least as new as the server.
PG_DUMP = env.get_str("PG_DUMP", "")
# Celery workers and beat log through the handlers above, not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics (Prometheus): off with METRICS_ENABLED=false; METRICS_TOKEN asks scrapers for a bearer token.
METRICS_ENABLED = env.get_bool("METRICS_ENABLED", True)
METRICS_TOKEN = env.get_str("METRICS_TOKEN", "")
# Queues whose length /metrics reports (the default queue and every worker group's).
METRICS_CELERY_QUEUES = env.get_list("METRICS_CELERY_QUEUES", [CELERY_TASK_DEFAULT_QUEUE])

# Parallel workers for migrations across town schemas.
MIGRATION_WORKERS = env.get_int("MIGRATION_WORKERS", max(1, (os.cpu_count() or 2)))
# Each migration worker builds the project state once per set of applied migrations and reuses it for
# every town schema (tenants/migrating.py); false: Django's migrate command per schema.
MIGRATION_REUSE_STATE = env.get_bool("MIGRATION_REUSE_STATE", True)
# With it: a pending migration that is plain DDL is made into SQL once and replayed in every town schema
# in one transaction each (tenants/migration_replay.py); false: every schema the way above.
MIGRATION_SQL_ONCE = env.get_bool("MIGRATION_SQL_ONCE", True)
