"""Settings read from the environment (12-factor). Defaults make the embedded mode work.

See the configuration table in README.md.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

# Development-only values: refused when DEBUG is off, so a production deployment can
# never run on a key that is published in this repository.
DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production"
DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="

SECRET_KEY = env_str("SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else None)
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS") or ([DEV_FIELD_ENCRYPTION_KEY] if DEBUG else [])
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 40+ characters when DEBUG is off.")
    if not FIELD_ENCRYPTION_KEYS or DEV_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must list real Fernet keys (newest first) when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "compliance",
    "reports",
    "workflows",
    "integrations",
    "engagements",
    "systems",
    "webhooks",
    # The top of the house as an app: cross-app wiring, the seed command, the cache table.
    "compliance_site",
]

MIDDLEWARE = [
    "audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "compliance_site.security.SecurityHeadersMiddleware",
    "common.middleware.RejectNulQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.middleware.ReplicaRoutingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "compliance_site.urls"
WSGI_APPLICATION = "compliance_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'compliance.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, plus audit entries sent with the COMMIT (audit/backends/postgresql).
    DATABASES["default"]["ENGINE"] = "audit.backends.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: web, worker and beat share one file; wait for locks instead of failing,
    # and take the write lock up front so two writers cannot deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}

# A streaming replica for the reads that may lag a little (common/replica.py): analytics,
# dashboards, report generation, exports. Writes, and reads that must see them, stay on
# the primary; a replica lagging more than REPLICA_MAX_LAG_SECONDS is not read.
if env_str("DATABASE_REPLICA_URL"):
    if DATABASES["default"]["ENGINE"] != "audit.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL")
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["common.replica.PrimaryReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 10.0)
REPLICA_LAG_CHECK_SECONDS = env_float("REPLICA_LAG_CHECK_SECONDS", 1.0)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Evidence files (compliance/evidence): a storage alias of their own, never served directly.
# Local files by default; any S3-compatible store when EVIDENCE_S3_BUCKET is set (credentials
# from the usual AWS_* variables or the instance role, as boto3 finds them).
EVIDENCE_STORAGE_DIR = Path(env_str("EVIDENCE_STORAGE_DIR", str(VAR_DIR / "evidence")))
if env_str("EVIDENCE_S3_BUCKET"):
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("EVIDENCE_S3_BUCKET"),
            "endpoint_url": env_str("EVIDENCE_S3_ENDPOINT_URL") or None,
            "region_name": env_str("EVIDENCE_S3_REGION") or None,
            "location": env_str("EVIDENCE_S3_PREFIX", "evidence"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(EVIDENCE_STORAGE_DIR), "base_url": None},
    }
# Control owners hear this many days before a review or an evidence expiry is due (workflows/control_notices.py).
CONTROL_NOTICE_DAYS = env_int("CONTROL_NOTICE_DAYS", 14)
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
EVIDENCE_MEDIA_TYPES = env_list(
    "EVIDENCE_MEDIA_TYPES",
    [
        "application/pdf",
        "application/json",
        "application/zip",
        "application/gzip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png",
        "image/jpeg",
        "text/plain",
        "text/csv",
    ],
)

# Report files live outside any served directory; downloads go through a permission check.
REPORTS_STORAGE_DIR = Path(env_str("REPORTS_STORAGE_DIR", str(VAR_DIR / "reports")))
# Internal reports may also be e-mailed to addresses at these domains (reports/recipients.py).
REPORT_DISTRIBUTION_DOMAINS = env_list("REPORT_DISTRIBUTION_DOMAINS")

LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/dashboard/"

# --- Security -------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 16 * 1024 * 1024)
# Proxies whose X-Forwarded-For is believed (audit IP address); nobody else's is.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns anonymous requests into 401s.
        "compliance_site.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["common.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "common.api.filtering.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exceptions.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "common.api.parsers.JSONParser",
        "common.api.parsers.FormParser",
        "common.api.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Single sign-on (compliance_site/oidc.py): OpenID Connect, configured from the issuer's discovery document.
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_MAP = env_str("OIDC_ROLE_MAP", "")  # "idp-group=Role Name,other-group=Viewer"
OIDC_ALLOW_HTTP = env_bool("OIDC_ALLOW_HTTP", False)  # an http:// issuer: tests only
# With single sign-on in place, password sign-in can be kept for superusers alone (break-glass).
PASSWORD_LOGIN_SUPERUSERS_ONLY = env_bool("PASSWORD_LOGIN_SUPERUSERS_ONLY", False)

# Personal API tokens (compliance_site/tokens.py): django-rest-knox, stored as digests only.
KNOX_TOKEN_MODEL = "compliance_site.ApiToken"
# knox's own migrations would create its default token table even though it is swapped
# out; without them Django creates no table for a swapped model.
MIGRATION_MODULES = {"knox": None}
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": timedelta(days=API_TOKEN_DEFAULT_DAYS)}

SPECTACULAR_SETTINGS = {
    "TITLE": "Compliance Platform API",
    "DESCRIPTION": "Frameworks, controls, rules, evaluations, findings, reports, workflows, "
    "integrations and the audit trail.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tag operations by resource (evaluations, reports, ...); the guessed prefix was "/api/",
    # which filed every operation under one "v1" tag.
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # ~170 operations: a filter box by tag, and links that open one operation.
    "SWAGGER_UI_SETTINGS": {"filter": True, "deepLinking": True},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One enum name per shared choice set (severity is used by rules, findings, data sources).
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "compliance.choices.Severity",
        "EvaluationStatusEnum": "compliance.choices.EvaluationStatus",
        "FindingStatusEnum": "compliance.choices.FindingStatus",
        "ReportStatusEnum": "reports.choices.ReportStatus",
        "FileFormatEnum": "reports.choices.FileFormat",
        "WorkflowStatusEnum": "workflows.choices.WorkflowStatus",
        "StepStatusEnum": "workflows.choices.StepStatus",
        "IntegrationStatusEnum": "integrations.choices.IntegrationStatus",
        "IntegrationLogStatusEnum": "integrations.choices.LogStatus",
        "PopulationKindEnum": "engagements.choices.PopulationKind",
        "EngagementStatusEnum": "engagements.choices.EngagementStatus",
        "RequestStatusEnum": "engagements.choices.RequestStatus",
        "ValidationKindEnum": "systems.choices.ValidationKind",
    },
}

# --- Cache ------------------------------------------------------------------------------
REDIS_CACHE_URL = env_str("REDIS_CACHE_URL")
# Shared by every process (login lockout counters must be): Redis when configured,
# otherwise a database table, which `migrate` creates (compliance_site/migrations).
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            # A stalled Redis must not stall requests: callers fall back or fail fast.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    )
}

# With Redis, sessions are read from it and written through to the database: a signed-in
# page then costs no session query. Without it the database is both, so plain db sessions.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_CACHE_URL else "db")

AUTHENTICATION_BACKENDS = ["compliance_site.lockout.LockoutModelBackend"]
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or None
# Unset broker: tasks run eagerly in-process (shell, one-off commands). `make run` sets a
# filesystem broker under var/ instead so that a real worker and beat run without Redis.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
CELERY_MAX_COUNTDOWN = env_int("CELERY_MAX_COUNTDOWN", 3600)
CELERY_VISIBILITY_TIMEOUT = env_int(
    "CELERY_VISIBILITY_TIMEOUT", max(CELERY_TASK_TIME_LIMIT, CELERY_MAX_COUNTDOWN) + 300
)

# --- Email ------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "compliance@localhost")

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Domain -----------------------------------------------------------------------------
BULK_EVALUATION_MAX_ROWS = 10_000
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
# Partitioned history (common/partitions/, docs/scaling.md): PostgreSQL only.
PARTITION_INTERVAL = env_str("PARTITION_INTERVAL", "month")  # day, week, month or year
PARTITION_AHEAD = env_int("PARTITION_AHEAD", 3)  # intervals created ahead by the beat task
# Raw evaluations are kept this long (a 12-month audit period can always be replayed from
# raw rows); older partitions are dropped once their rollups and status history verify.
EVALUATION_RETENTION_DAYS = env_int("EVALUATION_RETENTION_DAYS", 400)
# Integration sync logs go a month's partition at a time past this (the same audit-period
# reasoning; nothing is derived from them: the integration keeps its own counters).
INTEGRATION_LOG_RETENTION_DAYS = env_int("INTEGRATION_LOG_RETENTION_DAYS", 400)

# --- Integrations -----------------------------------------------------------------------
# Outbound safety (common/http.py: integrations and webhooks): https only and public addresses only, unless
# an on-premise deployment (or the test suite) turns these on.
INTEGRATIONS_ALLOW_HTTP = env_bool("INTEGRATIONS_ALLOW_HTTP", False)
INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = env_bool("INTEGRATIONS_ALLOW_PRIVATE_NETWORKS", False)
INTEGRATIONS_CONNECT_TIMEOUT = env_int("INTEGRATIONS_CONNECT_TIMEOUT", 5)
INTEGRATIONS_READ_TIMEOUT = env_int("INTEGRATIONS_READ_TIMEOUT", 30)
INTEGRATIONS_TEST_TIMEOUT = env_int("INTEGRATIONS_TEST_TIMEOUT", 5)
INTEGRATIONS_MAX_RESPONSE_BYTES = env_int("INTEGRATIONS_MAX_RESPONSE_BYTES", 32 * 1024 * 1024)
INTEGRATIONS_MAX_ATTEMPTS = env_int("INTEGRATIONS_MAX_ATTEMPTS", 4)
INTEGRATIONS_BACKOFF_SECONDS = float(env_str("INTEGRATIONS_BACKOFF_SECONDS", "1.0"))
INTEGRATIONS_MAX_BACKOFF_SECONDS = float(env_str("INTEGRATIONS_MAX_BACKOFF_SECONDS", "60"))
INTEGRATIONS_FAILURES_BEFORE_ERROR = env_int("INTEGRATIONS_FAILURES_BEFORE_ERROR", 3)

# --- Webhooks (webhooks/delivery.py): URLs obey the integrations' SSRF settings above ------
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)  # seconds to wait for the receiver's answer
WEBHOOK_BACKOFF_SECONDS = float(env_str("WEBHOOK_BACKOFF_SECONDS", "5"))  # doubled on each failure
WEBHOOK_MAX_BACKOFF_SECONDS = float(env_str("WEBHOOK_MAX_BACKOFF_SECONDS", "3600"))
WEBHOOK_FAILURES_BEFORE_PAUSE = env_int("WEBHOOK_FAILURES_BEFORE_PAUSE", 10)
WEBHOOK_DISPATCH_SECONDS = env_int("WEBHOOK_DISPATCH_SECONDS", 5)

# --- Audit ------------------------------------------------------------------------------
# The transparency log (docs/audit.md): Ed25519 key that signs tree checkpoints, kept out of
# the database (base64 of the 32-byte seed, or a file holding that or a PEM PKCS#8 key).
# Without one no checkpoints are published. Rotating: set the new key; old checkpoints
# stay verifiable with the key that signed them (/api/v1/audit-logs/checkpoints/keys/).
AUDIT_LOG_ORIGIN = env_str("AUDIT_LOG_ORIGIN", "compliance-platform/audit-log")
AUDIT_SIGNING_KEY = env_str("AUDIT_SIGNING_KEY") or None
AUDIT_SIGNING_KEY_FILE = env_str("AUDIT_SIGNING_KEY_FILE") or None
AUDIT_SIGNING_KEY_NAME = env_str("AUDIT_SIGNING_KEY_NAME") or None  # defaults to the origin
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", 60)
# An RFC 3161 time-stamping authority that time-stamps each checkpoint (audit/timestamping.py); off when unset.
AUDIT_TSA_URL = env_str("AUDIT_TSA_URL") or None
AUDIT_TSA_TIMEOUT = env_int("AUDIT_TSA_TIMEOUT", 10)
# Every audit entry as an OCSF 1.3.0 event over RFC 5424 syslog (audit/forwarding.py): TCP
# with octet counting, in TLS by default (the collector's certificate is always verified,
# against the system CAs or AUDIT_SYSLOG_CA_FILE). Off without a host.
AUDIT_SYSLOG_HOST = env_str("AUDIT_SYSLOG_HOST") or None
AUDIT_SYSLOG_PORT = env_int("AUDIT_SYSLOG_PORT", 6514)
AUDIT_SYSLOG_TLS = env_bool("AUDIT_SYSLOG_TLS", True)
AUDIT_SYSLOG_CA_FILE = env_str("AUDIT_SYSLOG_CA_FILE") or None
AUDIT_SYSLOG_FACILITY = env_int("AUDIT_SYSLOG_FACILITY", 13)  # "log audit"
AUDIT_SYSLOG_HOSTNAME = env_str("AUDIT_SYSLOG_HOSTNAME") or None  # defaults to the machine's name
AUDIT_SYSLOG_SD_ID = env_str("AUDIT_SYSLOG_SD_ID", "audit@32473")
AUDIT_SYSLOG_TIMEOUT = env_int("AUDIT_SYSLOG_TIMEOUT", 10)
AUDIT_SYSLOG_INTERVAL_SECONDS = env_int("AUDIT_SYSLOG_INTERVAL_SECONDS", 10)
# Signs audit checkpoints (docs/audit.md). Keep it outside the database: whoever can
# rewrite the database must not also be able to re-sign the chain.
DEV_AUDIT_CHECKPOINT_HMAC_KEY = "dev-only-audit-checkpoint-key-not-for-production"
AUDIT_CHECKPOINT_HMAC_KEY = env_str("AUDIT_CHECKPOINT_HMAC_KEY") or (DEV_AUDIT_CHECKPOINT_HMAC_KEY if DEBUG else None)
if not DEBUG and (
    not AUDIT_CHECKPOINT_HMAC_KEY
    or AUDIT_CHECKPOINT_HMAC_KEY == DEV_AUDIT_CHECKPOINT_HMAC_KEY
    or len(AUDIT_CHECKPOINT_HMAC_KEY) < 32
):
    raise ImproperlyConfigured(
        "AUDIT_CHECKPOINT_HMAC_KEY must be set to a random value of 32+ characters when DEBUG is off."
    )

# FedRAMP 20x persistent validation (systems/ksi.py): the longest a validation may be old before
# the indicator fails, in hours, per impact level and kind (FRR.PVA: machine-based at least every
# 3 days at Moderate and 7 days at Low, people-based at least every 3 months).
KSI_VALIDATION_CYCLE_HOURS = {
    "low": {
        "machine": env_int("KSI_MACHINE_CYCLE_HOURS_LOW", 7 * 24),
        "people": env_int("KSI_PEOPLE_CYCLE_HOURS", 92 * 24),
    },
    "moderate": {
        "machine": env_int("KSI_MACHINE_CYCLE_HOURS_MODERATE", 3 * 24),
        "people": env_int("KSI_PEOPLE_CYCLE_HOURS", 92 * 24),
    },
    "high": {
        "machine": env_int("KSI_MACHINE_CYCLE_HOURS_HIGH", 3 * 24),
        "people": env_int("KSI_PEOPLE_CYCLE_HOURS", 92 * 24),
    },
}
# Findings opened by failed or late KSI validations are vulnerabilities (FRR.PVA FAV): this severity.
KSI_FINDING_SEVERITY = env_str("KSI_FINDING_SEVERITY", "high")
# POA&M deadlines (systems/oscal/poam.py): days from a finding's opening to remediate, per severity
# (FedRAMP's continuous-monitoring expectations: high 30, moderate 90, low 180 days).
POAM_REMEDIATION_DAYS = {"critical": 15, "high": 30, "medium": 90, "low": 180}
