"""Local development (``make run``): debug on, console e-mail, SQLite unless DATABASE_URL."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
PORTAL_DEMO_DATA = True  # seed_demo (make run)
