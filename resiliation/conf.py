"""Settings of the résiliation app (defined, from the environment, in portal/settings/base.py)."""

from __future__ import annotations

from django.conf import settings

from portal.providers import shared_secret


def platform_name() -> str:
    return settings.RESILIATION_PLATFORM_NAME


def webhook_secret() -> bytes:
    """``RESILIATION_WEBHOOK_SECRET``; required in production (derived from SECRET_KEY only where
    sandboxes run)."""
    return shared_secret("RESILIATION_WEBHOOK_SECRET", derived_from="resiliation-webhooks")


def webhook_tolerance_seconds() -> int:
    return settings.RESILIATION_WEBHOOK_TOLERANCE


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")
