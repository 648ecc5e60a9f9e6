"""Test settings: fast hashing, e-mails captured, SQLite file database unless DATABASE_URL."""

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

DEBUG = False
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
CELERY_BROKER_TRANSPORT_OPTIONS = (
    CELERY_BROKER_TRANSPORT_OPTIONS  # noqa: F405
    if REDIS_URL  # noqa: F405
    else {
        "data_folder_in": str(VAR_DIR / "test-celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "test-celery" / "queue"),
        "processed_folder": str(VAR_DIR / "test-celery" / "processed"),
        "store_processed": False,
    }
)
