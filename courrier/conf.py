"""Settings of the courrier app, with their defaults."""

from __future__ import annotations

import hashlib

from django.conf import settings


def postal_provider_name() -> str:
    return getattr(settings, "COURRIER_POSTAL_PROVIDER", "sandbox") or "sandbox"


def webhook_secret() -> bytes:
    configured = getattr(settings, "COURRIER_WEBHOOK_SECRET", "")
    if configured:
        return configured.encode()
    # Derived from SECRET_KEY so that a fresh install works; set it explicitly in production.
    return hashlib.sha256(f"courrier-webhooks:{settings.SECRET_KEY}".encode()).hexdigest().encode()


def webhook_tolerance_seconds() -> int:
    return getattr(settings, "COURRIER_WEBHOOK_TOLERANCE", 300)


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")
