"""Production: everything from the environment, HTTPS only, real providers only (no sandbox:
its pages are not routed and its providers refuse to run); ``check --deploy`` is clean once
the providers and their secrets are configured (README, "Providers")."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env, logging_config

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY doit compter au moins 50 caractères aléatoires en production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Required: the public address of the portal (links in e-mails, webhooks), never a local default.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="")
# Never from the environment: a production process cannot be talked into running a sandbox.
PORTAL_SANDBOX_PROVIDERS = False

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# JSON log lines (one object per line, request and user ids), one per request too (README,
# "Several machines").
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
PORTAL_ACCESS_LOG = env.bool("PORTAL_ACCESS_LOG", default=True)
