"""Access-matrix helpers: every URL × every role × another organisation (SPEC §2).

A test module that checks the access of some URLs lists their names in a module-level
``COVERED_URL_NAMES`` set; ``tests/test_url_coverage.py`` fails when a named URL of the
project is covered by no module, so a new page cannot ship without its access test.
"""

from __future__ import annotations

from collections.abc import Iterable

ALLOWED = {200, 201, 204, 302}
DENIED = {403, 404}


def status_of(client, method: str, url: str, data=None, **extra) -> int:
    response = getattr(client, method.lower())(url, data or {}, **extra)
    return response.status_code


def assert_statuses(results: Iterable[tuple[str, int, set[int]]]) -> None:
    """Check (label, actual, expected) triples and report every mismatch at once."""
    wrong = [f"{label}: {actual} (attendu {sorted(expected)})" for label, actual, expected in results
             if actual not in expected]
    assert not wrong, "Accès incorrects :\n" + "\n".join(wrong)
