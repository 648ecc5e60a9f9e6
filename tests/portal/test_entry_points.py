"""Which settings each entry point runs with when DJANGO_SETTINGS_MODULE is not set.

The server entry points (WSGI, Celery) default to the production settings: a deployment that
forgets the variable must not run with DEBUG on and the public development SECRET_KEY. The
development tools choose the dev settings explicitly (``make run``, its ``Procfile``) or by
default (``manage.py``, the developers' command line).
"""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

SERVER_ENTRY_POINTS = ["portal.wsgi", "portal.celery"]
HIDDEN = ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "PORTAL_TODAY", "PORTAL_NOW",
          "DJANGO_ALLOW_ASYNC_UNSAFE")


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in HIDDEN}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=environment,
                          capture_output=True, text=True, timeout=120)


def settings_seen_by(module: str, **env: str) -> subprocess.CompletedProcess:
    return python(f"import {module}\nfrom django.conf import settings\n"
                  "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.PORTAL_DEMO_DATA)", **env)


@pytest.mark.parametrize("module", SERVER_ENTRY_POINTS)
def test_a_server_started_without_settings_module_runs_the_production_settings(module):
    result = settings_seen_by(module, SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="portail.example.fr")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["portal.settings.production", "False", "False"]


@pytest.mark.parametrize("module", SERVER_ENTRY_POINTS)
def test_a_server_started_without_settings_module_nor_secret_key_does_not_start(module):
    result = settings_seen_by(module, ALLOWED_HOSTS="portail.example.fr")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("module", SERVER_ENTRY_POINTS)
def test_an_explicit_settings_module_wins(module):
    result = settings_seen_by(module, DJANGO_SETTINGS_MODULE="portal.settings.dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["portal.settings.dev", "True", "True"]


def test_manage_py_is_the_developers_tool_on_the_dev_settings():
    result = python("import runpy, sys\nsys.argv = ['manage.py', 'diffsettings', '--all']\n"
                    "runpy.run_path('manage.py', run_name='__main__')")
    assert result.returncode == 0, result.stderr
    assert "SETTINGS_MODULE = 'portal.settings.dev'" in result.stdout


def test_make_run_and_its_procfile_choose_the_dev_settings():
    procfile = (settings.BASE_DIR / "Procfile").read_text().splitlines()
    processes = dict(line.split(": ", 1) for line in procfile if line.strip() and not line.startswith("#"))
    assert set(processes) == {"web", "worker", "beat"}
    for name, command in processes.items():
        assert command.startswith("DJANGO_SETTINGS_MODULE=portal.settings.dev "), name
    planned = subprocess.run(["make", "-n", "run"], cwd=settings.BASE_DIR, capture_output=True, text=True,
                             timeout=60).stdout.splitlines()
    django_commands = [line for line in planned if re.search(r"manage\.py (migrate|seed_demo)|honcho start", line)]
    assert len(django_commands) == 3, planned
    assert all(line.startswith("DJANGO_SETTINGS_MODULE=portal.settings.dev ") for line in django_commands)


def test_the_docker_image_and_compose_run_the_production_settings():
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in dockerfile
    assert "DJANGO_SETTINGS_MODULE: portal.settings.production" in compose
    assert "portal.settings.dev" not in dockerfile
