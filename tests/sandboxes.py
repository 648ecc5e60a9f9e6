"""The URLconf as production builds it: the sandboxes' pages are routed only where
``PORTAL_SANDBOX_PROVIDERS`` is true, decided when the URL modules are imported."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from django.urls import clear_url_caches


def urls_reload() -> None:
    for module in ("billing.urls", "resiliation.urls", "courrier.urls", "portal.urls"):
        importlib.reload(importlib.import_module(module))
    clear_url_caches()


@contextmanager
def sandboxes_not_allowed(settings):
    """Settings and routes without sandboxes (production), restored afterwards."""
    settings.PORTAL_SANDBOX_PROVIDERS = False
    urls_reload()
    try:
        yield
    finally:
        settings.PORTAL_SANDBOX_PROVIDERS = True
        urls_reload()
