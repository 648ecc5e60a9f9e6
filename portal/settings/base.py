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
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"  # a French page in the layout

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
# The legal details the footer's pages name (Mentions légales, Politique de confidentialité):
# placeholders ``{{ key }}`` of their text (portal/markup.py); empty shows "[à renseigner]".
PORTAL_LEGAL = {
    # One source with the invoices' seller (above).
    "assureur_forme": f"{PORTAL_INSURER_LEGAL_FORM}, entreprise régie par le Code des assurances",
    "assureur_siren": PORTAL_INSURER_SIREN,
    "assureur_telephone": env("PORTAL_LEGAL_PHONE", default=""),
    "directeur_publication": env("PORTAL_LEGAL_PUBLICATION_DIRECTOR", default=""),
    "hebergeur": env("PORTAL_LEGAL_HOST", default=""),
    "hebergeur_adresse": env("PORTAL_LEGAL_HOST_ADDRESS", default=""),
    "dpo_contact": env("PORTAL_LEGAL_DPO_CONTACT", default=""),
    "autorite_controle": env(
        "PORTAL_LEGAL_SUPERVISOR",
        default="Autorité de contrôle prudentiel et de résolution (ACPR), 4 place de Budapest, CS 92459, "
        "75436 Paris Cedex 09",
    ),
}
PORTAL_NOTIFICATIONS_FROM = env(
    "PORTAL_NOTIFICATIONS_FROM", default="notifications@emt.auxiliaire.fr"
)
# The address links in e-mails, the e-signature link and the providers' webhooks are built on.
# Locally it follows the port the product was started on (``WEB_PORT``: make run, Procfile);
# production requires it (portal.E002).
WEB_PORT = env.int("WEB_PORT", default=8000)
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default=f"http://localhost:{WEB_PORT}")
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
# gateway: *_API_URL and *_API_KEY; protocols in billing/payments.py,
# resiliation/providers/base.py and courrier/providers.py). Sandboxes run only where PORTAL_SANDBOX_PROVIDERS is true
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
# Paper mail: the print-and-post provider (courrier.providers) and the HMAC secret of its webhooks.
COURRIER_POSTAL_PROVIDER = env("COURRIER_POSTAL_PROVIDER", default="sandbox")
COURRIER_POSTAL_API_URL = env("COURRIER_POSTAL_API_URL", default="")
COURRIER_POSTAL_API_KEY = env("COURRIER_POSTAL_API_KEY", default="")
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
    "activity",
    "commissions",
    "certificates",
    "library",
    "quotes",
]

MIDDLEWARE = [
    # First: load balancers' probes of /sante/ get their answer before ALLOWED_HOSTS and the
    # HTTPS redirect apply (portal/health.py); then every request gets its id (portal/logs.py).
    "portal.health.HealthCheckMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.memberships.CurrentMembershipMiddleware",  # the organisation each request acts for
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
    # The cycle amiable's covering indexes (INCLUDE) are PostgreSQL's; SQLite keeps their key
    # columns, which is all a development database needs: no warning on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer fails a request (and /sante/) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
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


def s3_storage(*, bucket_name: str, endpoint_url: str = "", region_name: str = "", location: str = "",
               addressing_style: str = "") -> dict:
    """The S3-compatible bucket of uploaded and generated files (django-storages): private — no
    ACL, no public URL (documents are served only by views that check access) —, and a name is
    never reused (``file_overwrite`` off: two letters named alike stay two objects). Credentials
    come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, an instance role…)."""
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket_name,
            "endpoint_url": endpoint_url or None,
            "region_name": region_name or None,
            "location": location,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            # Files read back (downloads, conversions) spill to a temporary file past this size.
            "max_memory_size": FILE_UPLOAD_MAX_MEMORY_SIZE,
            "client_config": Config(
                s3={"addressing_style": addressing_style or "auto"},
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }


FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Local disk (MEDIA_ROOT) by default; with several web and worker machines, an S3-compatible
# bucket (AWS, Scaleway, OVHcloud, MinIO…) named by AWS_STORAGE_BUCKET_NAME (README, "Several
# machines").
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": (
        s3_storage(
            bucket_name=AWS_STORAGE_BUCKET_NAME,
            endpoint_url=env("AWS_S3_ENDPOINT_URL", default=""),
            region_name=env("AWS_S3_REGION_NAME", default=""),
            location=env("AWS_LOCATION", default=""),
            addressing_style=env("AWS_S3_ADDRESSING_STYLE", default=""),
        )
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
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
    # « Suivre votre activité »: the figures, every hour at half past (so 06:30 follows the cycle
    # amiable's daily run of 06:00, and an import of the day shows within the hour).
    "activity-refresh": {"task": "activity.tasks.activity_refresh_task", "schedule": crontab(minute="30")},
    # Last month's commission statements on the 1st at 02:00 (idempotent: the runs of the 2nd to
    # the 7th only catch up a missed 1st).
    "commissions-monthly-statements": {
        "task": "commissions.tasks.statements_issue_task",
        "schedule": crontab(day_of_month="1-7", hour="2", minute="0"),
    },
    "resiliation-sandbox-tick": {"task": "resiliation.sandbox.tasks.sandbox_tick_task", "schedule": crontab(minute="*/5")},
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
        "portal.memberships.MembershipTokenAuthentication",  # organisation-bound tokens, then DRF's
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

# ------------------------------------------------------------------------------ logging
# LOG_FORMAT: "plain" text (development, the default here) or "json" — one object per line with
# time, level, logger, message, request_id, user_id and the exception (production's default).
# PORTAL_ACCESS_LOG: one line per request (route, view, status, duration), on in production.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="plain")
PORTAL_ACCESS_LOG = env.bool("PORTAL_ACCESS_LOG", default=False)


def logging_config(*, log_format: str, level: str) -> dict:
    if log_format not in ("plain", "json"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT doit valoir « plain » ou « json » (reçu : {log_format!r}).")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "portal.logs.ContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "portal.logs.json_formatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "weasyprint": {"level": "ERROR"},
            "fontTools": {"level": "ERROR"},
            "axes": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
