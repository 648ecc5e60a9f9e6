"""``PORTAL_BASE_URL``: links and webhooks follow the port the product was started on; a
production deployment must say its public address."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.test import override_settings

from portal import checks
from tests.production import PRODUCTION, REAL_PROVIDERS

HIDDEN = ("DJANGO_SETTINGS_MODULE", "PORTAL_BASE_URL", "WEB_PORT", "PORTAL_TODAY", "PORTAL_NOW",
          "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in HIDDEN}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=environment,
                          capture_output=True, text=True, timeout=120)


BASE_URL = "import django\ndjango.setup()\nfrom django.conf import settings\nprint(settings.PORTAL_BASE_URL)"


def test_the_default_follows_the_port_the_product_was_started_on():
    """``WEB_PORT=8001 make run``: the Procfile passes WEB_PORT to the web, worker and beat."""
    started = run(BASE_URL, DJANGO_SETTINGS_MODULE="portal.settings.dev", WEB_PORT="8001")
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["http://localhost:8001"]
    default = run(BASE_URL, DJANGO_SETTINGS_MODULE="portal.settings.dev")
    assert default.stdout.split() == ["http://localhost:8000"]
    procfile = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    assert len(procfile) == 3 and all(" WEB_PORT=${WEB_PORT:-8000} " in line for line in procfile)


def test_production_refuses_to_start_without_its_public_address():
    check = "import runpy, sys\nsys.argv = ['manage.py', 'check']\nrunpy.run_path('manage.py', run_name='__main__')"
    environment = {**PRODUCTION, **REAL_PROVIDERS, "DJANGO_SETTINGS_MODULE": "portal.settings.production"}
    missing = run(check, **{key: value for key, value in environment.items() if key != "PORTAL_BASE_URL"})
    assert missing.returncode != 0 and "portal.E002" in missing.stderr and "PORTAL_BASE_URL manque" in missing.stderr
    # With it, the production settings pass ``check --deploy``: tests/portal/test_clock.py.


def test_a_base_url_is_a_scheme_and_a_host():
    for bad in ("portail.example.fr", "https://portail.example.fr/compte/"):
        with override_settings(PORTAL_BASE_URL=bad):
            assert [error.id for error in checks.portal_base_url_is_set(None)] == ["portal.E003"]
    with override_settings(PORTAL_BASE_URL="https://portail.example.fr"):
        assert checks.portal_base_url_is_set(None) == []
