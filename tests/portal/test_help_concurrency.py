"""Dossier numbers under concurrency (PostgreSQL): requests sent at the same moment that draw the
same number all get one, each its own."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from portal import help
from portal.models import HelpRequest, HelpSubject

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real parallel transactions (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]
WORKERS = 6


def test_simultaneous_requests_drawing_one_number_each_get_their_own(admin_user, monkeypatch):
    lock = threading.Lock()
    # Every request's first draw is the same number; then fresh ones.
    draws = itertools.chain([4242424] * WORKERS, itertools.count(5000001))

    def candidate() -> int:
        with lock:
            return next(draws)

    monkeypatch.setattr(help, "_file_number_candidate", candidate)
    barrier = threading.Barrier(WORKERS)

    def send(index: int):
        try:
            barrier.wait(timeout=10)
            return help.help_request_create(by=admin_user, subject=HelpSubject.OTHER, message=f"Demande {index}")
        except Exception as error:  # asserted below
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(send, range(WORKERS)))
    assert [r for r in results if isinstance(r, Exception)] == []
    numbers = list(HelpRequest.objects.values_list("file_number", flat=True))
    assert len(numbers) == len(set(numbers)) == WORKERS
    assert 4242424 in numbers
