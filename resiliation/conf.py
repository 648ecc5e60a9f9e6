"""Settings of the résiliation app, with their defaults (no shared settings file to edit)."""

from __future__ import annotations

import hashlib

from django.conf import settings


def setting(name: str, default):
    return getattr(settings, name, default)


def platform_name() -> str:
    return setting("RESILIATION_PLATFORM_NAME", "Portail courtiers — service Résiliation")


def webhook_secret() -> bytes:
    configured = setting("RESILIATION_WEBHOOK_SECRET", "")
    if configured:
        return configured.encode()
    # Derived from SECRET_KEY so that a fresh install works; set it explicitly in production.
    return hashlib.sha256(f"resiliation-webhooks:{settings.SECRET_KEY}".encode()).hexdigest().encode()


def webhook_tolerance_seconds() -> int:
    return setting("RESILIATION_WEBHOOK_TOLERANCE", 300)


def inline_tasks() -> bool:
    """Tasks (dispatch, proofs, sandbox webhooks) run in-process after commit (browser tests)."""
    return setting("RESILIATION_RUN_TASKS_INLINE", False)


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")
