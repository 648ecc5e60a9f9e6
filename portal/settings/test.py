"""Test settings: fast hashing, e-mails captured, SQLite file database unless DATABASE_URL.

A Celery worker started by a test (``tests/portal/test_worker.py``) loads these settings too,
with ``DATABASE_URL`` pointing at the test database; the broker folder (filesystem transport)
or queue (Redis) is per pytest-xdist worker, so parallel test processes never share tasks.
"""

import os

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, VAR_DIR, filesystem_broker_options

DEBUG = False
PORTAL_DEMO_DATA = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so that a Celery worker subprocess can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-portal.sqlite3")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
AXES_ENABLED = True
# The sandbox providers (the suite and its browser tests play the payment, e-signature, LRE and
# identity providers through them); the http providers are tested against a local server.
PORTAL_SANDBOX_PROVIDERS = True

TEST_PROCESS = os.environ.get("PYTEST_XDIST_WORKER", "main")
CELERY_TASK_DEFAULT_QUEUE = f"test-{TEST_PROCESS}"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {} if REDIS_URL else filesystem_broker_options(VAR_DIR / "test-celery" / TEST_PROCESS)
)
CACHES = {
    "default": {
        **CACHES["default"],  # noqa: F405
        "KEY_PREFIX": f"test-{TEST_PROCESS}",
    }
}
