"""Settings of the courrier app, with their defaults."""

from __future__ import annotations

from django.conf import settings

from portal.providers import shared_secret


def postal_provider_name() -> str:
    return getattr(settings, "COURRIER_POSTAL_PROVIDER", "sandbox") or "sandbox"


def webhook_secret() -> bytes:
    """``COURRIER_WEBHOOK_SECRET``; required in production (derived from SECRET_KEY only where
    sandboxes run)."""
    return shared_secret("COURRIER_WEBHOOK_SECRET", derived_from="courrier-webhooks")


def webhook_tolerance_seconds() -> int:
    return getattr(settings, "COURRIER_WEBHOOK_TOLERANCE", 300)


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")
