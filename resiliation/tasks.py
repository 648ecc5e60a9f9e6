"""Celery tasks of the résiliation app: thin, idempotent, they take ids and re-read."""

from __future__ import annotations

import threading

from celery import shared_task
from django.db import transaction

from portal import clock
from resiliation import conf

_inline = threading.local()


def run_after_commit(task, *args) -> None:
    """Queue a task after commit; in-process when ``RESILIATION_RUN_TASKS_INLINE`` (single process)."""
    if conf.inline_tasks():
        transaction.on_commit(lambda: _run_inline(task, args))
    else:
        task.delay_on_commit(*args)


def _run_inline(task, args) -> None:
    """Run a task in-process like a worker would: a task queued by a running task starts once
    that one has finished, never in the middle of it (a dispatch records the provider's
    reference before the provider's first webhook is delivered)."""
    queue = getattr(_inline, "queue", None)
    if queue is not None:
        queue.append((task, args))
        return
    _inline.queue = [(task, args)]
    try:
        while _inline.queue:
            next_task, next_args = _inline.queue.pop(0)
            next_task.run(*next_args)
    finally:
        _inline.queue = None


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def letter_dispatch_task(letter_id: int) -> bool:
    from resiliation.sending import letter_dispatch

    return letter_dispatch(letter_id=letter_id, now=clock.local_now())


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def letter_proof_task(letter_id: int, kind: str) -> bool:
    from resiliation.tracking import letter_proof_fetch

    return letter_proof_fetch(letter_id=letter_id, kind=kind)


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def sandbox_webhook_deliver_task(delivery_id: int) -> bool:
    """One attempt; a failed delivery keeps its back-off and is retried by the tick."""
    from resiliation.providers.sandbox import sandbox_webhook_deliver

    return sandbox_webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def resiliation_tick_task() -> dict:
    """Every few minutes (beat): signatures past 20:00, due letters, sandbox chores."""
    return resiliation_tick()


def resiliation_tick() -> dict:
    from resiliation.providers.sandbox import sandbox_mail_tick, sandbox_webhook_deliver, sandbox_webhooks_due
    from resiliation.sending import letter_dispatch, letters_dispatch_due
    from resiliation.signatures import signatures_expire

    now = clock.local_now()
    expired = signatures_expire(now=now)
    sent = sum(letter_dispatch(letter_id=letter_id, now=now) for letter_id in letters_dispatch_due(now=now))
    resent = sandbox_mail_tick(now=now)
    delivered = sum(sandbox_webhook_deliver(delivery_id=i) for i in sandbox_webhooks_due())
    return {"expired": expired, "sent": sent, "resent": resent, "webhooks": delivered}
