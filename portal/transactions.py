"""The one way to queue work after commit (STYLE rule 7, as Zulip's ``queue_event_on_commit``).

* ``enqueue_on_commit(task, *ids)``: the Celery task is queued with these ids once the current
  transaction commits — never before, never on rollback, never run in the request.
* ``IdsOnCommit(flush)``: ids collected explicitly during one transaction (``add``) and handed
  to ``flush`` in one call once it commits (a daily run and the payments it settles issue
  letters from several places: one batch of render messages, not one per place).

Nothing here reads Django's commit hooks: a batch registers its own hook once and knows it
is pending until that hook runs. A batch whose transaction rolled back is dropped with its
hook by Django (it then holds the only reference to it: the weak one below dies with it),
so its ids are never flushed and the next ``add`` starts a new batch.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, robust: bool = False) -> None:
    """Queue ``task.delay(*args)`` once the transaction commits (at once outside a transaction).

    ``robust``: a broker that is down is logged and does not turn the committed change into an
    error (for work a periodic sweep queues again, such as the outbox)."""
    transaction.on_commit(partial(task.delay, *args), robust=robust)


class _Batch:
    """The commit hook of one transaction's batch: it holds the ids and flushes them once."""

    def __init__(self, owner: IdsOnCommit) -> None:
        self.owner = owner
        self.ids: list[int] = []

    def __call__(self) -> None:
        self.owner._forget(self)
        self.owner.flush(list(self.ids))


class IdsOnCommit:
    """Ids collected during a transaction, handed once it commits to ``flush(ids)`` in one call."""

    def __init__(self, flush: Callable[[list[int]], None]) -> None:
        self.flush = flush
        self._local = threading.local()

    def add(self, ids: Iterable[int] = ()) -> None:
        """Add ids to this transaction's batch (the first ``add`` registers the commit hook; an
        empty ``add`` still makes the flush happen, for work ``flush`` finds by itself)."""
        reference = getattr(self._local, "batch", None)
        batch = reference() if reference is not None else None
        if batch is None:
            batch = _Batch(self)
            self._local.batch = weakref.ref(batch)
            transaction.on_commit(batch)
        batch.ids.extend(ids)

    def _forget(self, batch: _Batch) -> None:
        reference = getattr(self._local, "batch", None)
        if reference is not None and reference() is batch:
            self._local.batch = None
