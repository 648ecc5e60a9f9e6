"""Local development (``make run``): debug on, console e-mail, SQLite unless DATABASE_URL, and
the sandbox providers (payment, e-signature, LRE, identity) served by the portal itself."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
PORTAL_SANDBOX_PROVIDERS = True
PORTAL_DEMO_DATA = True  # seed_demo (make run)
