"""Every named URL of the project has an access test (see tests/access.py)."""

import importlib
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

import tests

# Third-party pages with their own access rules (the admin is tested through its actions).
EXEMPT_NAMESPACES = {"admin"}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in EXEMPT_NAMESPACES:
                continue
            prefix = f"{namespace}{inner}:" if inner else namespace
            yield from _names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def _covered():
    covered = set()
    for module in pkgutil.walk_packages(tests.__path__, "tests."):
        if module.name.rsplit(".", 1)[-1].startswith("test_access"):
            covered |= getattr(importlib.import_module(module.name), "COVERED_URL_NAMES", set())
    return covered


def test_every_named_url_has_an_access_test():
    missing = sorted(set(_names(get_resolver().url_patterns)) - _covered())
    assert not missing, f"URL sans test d'accès : {missing}"
