"""Settings shared by every environment; everything that varies comes from the environment.

``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` switch from the defaults (SQLite and kombu's
filesystem transport) to the real services.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

import environ
from celery.schedules import crontab
from django_celery_beat.tzcrontab import TzAwareCrontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # SQLite file, embedded broker queue, media of a local run

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-" + "x" * 30)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------------------------- product
PORTAL_INSURER_NAME = env("PORTAL_INSURER_NAME", default="L'Auxiliaire")
PORTAL_INSURER_ADDRESS = env.list(
    "PORTAL_INSURER_ADDRESS",
    default=["50 cours Franklin Roosevelt", "69006 Lyon"],
)
# The insurer as the seller on receipts and invoices (legal mentions); demo values by default.
PORTAL_INSURER_LEGAL_FORM = env("PORTAL_INSURER_LEGAL_FORM",
                                default="Société d'assurance mutuelle à cotisations variables")
PORTAL_INSURER_SIREN = env("PORTAL_INSURER_SIREN", default="900123456")
PORTAL_INSURER_RCS = env("PORTAL_INSURER_RCS", default="RCS Lyon")
PORTAL_INSURER_VAT_NUMBER = env("PORTAL_INSURER_VAT_NUMBER", default="FR87900123456")
PORTAL_NOTIFICATIONS_FROM = env(
    "PORTAL_NOTIFICATIONS_FROM", default="notifications@emt.auxiliaire.fr"
)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://localhost:8000")
# ``seed_demo`` (logins with a known password) runs only where this is True: the dev and test
# settings set it, in code; never read from the environment.
PORTAL_DEMO_DATA = False
# Extra public holidays of a subdivision: "57" (Moselle), "6AE" (Alsace); 67/68 are mapped.
PORTAL_HOLIDAY_SUBDIVISION = env("PORTAL_HOLIDAY_SUBDIVISION", default="")
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Cycle amiable: the fixed recovery indemnity (art. D441-5 Code de commerce), off by default.
AMIABLE_RECOVERY_INDEMNITY_ENABLED = env.bool("AMIABLE_RECOVERY_INDEMNITY_ENABLED", default=False)
AMIABLE_RECOVERY_INDEMNITY = env("AMIABLE_RECOVERY_INDEMNITY", default="40.00")

# ------------------------------------------------------------------------ external providers
# "sandbox" (served by the portal itself: development, tests, demos) or "http" (the provider's
# gateway: *_API_URL and *_API_KEY; protocols in billing/payments.py and
# resiliation/providers/base.py). Sandboxes run only where PORTAL_SANDBOX_PROVIDERS is true
# (dev and test settings); production refuses them (portal/providers.py, `manage.py check`).
PORTAL_SANDBOX_PROVIDERS = False
# Credit purchases (billing.payments) and the HMAC secret of the provider's notifications.
BILLING_PAYMENT_PROVIDER = env("BILLING_PAYMENT_PROVIDER", default="sandbox")
BILLING_PAYMENT_API_URL = env("BILLING_PAYMENT_API_URL", default="")
BILLING_PAYMENT_API_KEY = env("BILLING_PAYMENT_API_KEY", default="")
BILLING_PAYMENT_SECRET = env("BILLING_PAYMENT_SECRET", default="")
# Résiliation: e-signature, registered e-mail (LRE), eIDAS identity check, and the HMAC secret
# of their webhooks (resiliation.webhooks).
RESILIATION_SIGNATURE_PROVIDER = env("RESILIATION_SIGNATURE_PROVIDER", default="sandbox")
RESILIATION_SIGNATURE_API_URL = env("RESILIATION_SIGNATURE_API_URL", default="")
RESILIATION_SIGNATURE_API_KEY = env("RESILIATION_SIGNATURE_API_KEY", default="")
RESILIATION_REGISTERED_MAIL_PROVIDER = env("RESILIATION_REGISTERED_MAIL_PROVIDER", default="sandbox")
RESILIATION_REGISTERED_MAIL_API_URL = env("RESILIATION_REGISTERED_MAIL_API_URL", default="")
RESILIATION_REGISTERED_MAIL_API_KEY = env("RESILIATION_REGISTERED_MAIL_API_KEY", default="")
RESILIATION_IDENTITY_PROVIDER = env("RESILIATION_IDENTITY_PROVIDER", default="sandbox")
RESILIATION_IDENTITY_API_URL = env("RESILIATION_IDENTITY_API_URL", default="")
RESILIATION_IDENTITY_API_KEY = env("RESILIATION_IDENTITY_API_KEY", default="")
RESILIATION_WEBHOOK_SECRET = env("RESILIATION_WEBHOOK_SECRET", default="")
RESILIATION_WEBHOOK_TOLERANCE = env.int("RESILIATION_WEBHOOK_TOLERANCE", default=300)  # seconds
RESILIATION_PLATFORM_NAME = env("RESILIATION_PLATFORM_NAME", default="Portail courtiers — service Résiliation")
# Résiliation tasks run in-process after commit (single-process browser tests only).
RESILIATION_RUN_TASKS_INLINE = False
# Paper mail: postal provider (courrier.providers) and the HMAC secret of its webhooks.
COURRIER_POSTAL_PROVIDER = env("COURRIER_POSTAL_PROVIDER", default="sandbox")
COURRIER_WEBHOOK_SECRET = env("COURRIER_WEBHOOK_SECRET", default="")

# ----------------------------------------------------------------------------- applications
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "anymail",
    "axes",
    "portal",
    "amiable",
    "billing",
    "resiliation",
    "courrier",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.csp",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --------------------------------------------------------------------------------- database
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let the web, worker and beat processes share one file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ----------------------------------------------------------------------------- auth, users
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling (django-axes): 5 failures per e-mail and address lock for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portal.forms.login_attempt_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# ------------------------------------------------------------------------ i18n, formats
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Off: with it, every integer in a template (ids in attributes, URLs) would be grouped
# ("1 896"). Amounts are formatted by portal.formatting.format_money (the |money filter).
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["portal.formats"]

# ---------------------------------------------------------------------- static and media
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at each start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # documents are only served by views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# ------------------------------------------------------------------------------- e-mail
# django-anymail for every provider; console backend by default, SMTP (mailpit) in compose.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="anymail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=PORTAL_NOTIFICATIONS_FROM)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}
EMAIL_FILE_PATH = VAR_DIR / "mail"

# ------------------------------------------------------------------------------- celery
REDIS_URL = env("REDIS_URL", default="")


def filesystem_broker_options(root: Path) -> dict:
    """kombu's filesystem transport, every folder under ``root`` (none in the working tree)."""
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"),
        "control_folder": str(root / "control"),
        "store_processed": False,
    }


CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {} if REDIS_URL else filesystem_broker_options(VAR_DIR / "celery")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The one place the beat schedule is defined; django-celery-beat syncs it into its tables.
# Times are Europe/Paris (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "outbox-flush": {
        "task": "portal.tasks.outbox_flush_task",
        "schedule": crontab(minute="*"),
    },
    "amiable-daily-run": {
        "task": "amiable.tasks.amiable_tick_task",
        "schedule": crontab(hour="6", minute="0"),
    },
    "amiable-payments": {
        "task": "amiable.tasks.payments_settle_task",
        "schedule": crontab(minute="*/5"),
    },
    "resiliation-tick": {"task": "resiliation.tasks.resiliation_tick_task", "schedule": crontab(minute="*/5")},
    "notifications-digest": {
        "task": "portal.tasks.digest_send_task",
        "schedule": crontab(hour="7", minute="0"),
    },
    # Last month's invoices on the 1st at 01:30 (idempotent: the runs of the 2nd to the 7th
    # only catch up a missed 1st).
    "billing-monthly-invoices": {
        "task": "billing.tasks.invoices_issue_task",
        "schedule": crontab(day_of_month="1-7", hour="1", minute="30"),
    },
    # Paper mail: La Poste takes the envelopes at 10:30 Europe/Paris on business days (the task
    # does nothing on a public holiday); contents are purged every night.
    "courrier-handover": {
        "task": "courrier.tasks.envelopes_handover_task",
        "schedule": TzAwareCrontab(hour="10", minute="30", day_of_week="mon-fri", tz=ZoneInfo("Europe/Paris")),
    },
    "courrier-contents-purge": {
        "task": "courrier.tasks.contents_purge_task",
        "schedule": TzAwareCrontab(hour="3", minute="15", tz=ZoneInfo("Europe/Paris")),
    },
    "courrier-tick": {"task": "courrier.tasks.courrier_tick_task", "schedule": crontab(minute="*/5")},
    "courrier-sandbox-tick": {"task": "courrier.sandbox.tasks.sandbox_tick_task", "schedule": crontab(minute="*/5")},
}

# -------------------------------------------------------------------------------- cache
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# ---------------------------------------------------------------------------------- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DATE_FORMAT": "iso-8601",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "COERCE_DECIMAL_TO_STRING": True,
    "LIST_SERIALIZER_ERRORS_AS_DICT": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portail courtiers — API",
    "DESCRIPTION": "Émissions, paiements, cycle amiable et courrier papier.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for signed-in users and API clients (token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --------------------------------------------------------------------------- security
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
