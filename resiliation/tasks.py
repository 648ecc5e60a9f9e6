"""Celery tasks of the résiliation app: thin, idempotent, they take ids and re-read."""

from __future__ import annotations

from celery import shared_task

from portal import clock


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def letter_dispatch_task(letter_id: int) -> bool:
    from resiliation.services import letter_dispatch

    return letter_dispatch(letter_id=letter_id, now=clock.local_now())


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def letter_proof_task(letter_id: int, kind: str) -> bool:
    from resiliation.services import letter_proof_fetch

    return letter_proof_fetch(letter_id=letter_id, kind=kind)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def signature_cancel_task(request_id: int) -> bool:
    from resiliation.services import signature_provider_cancel

    return signature_provider_cancel(request_id=request_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def resiliation_tick_task() -> dict:
    """Every few minutes (beat): signatures past 20:00, due letters (the sandbox has its own tick)."""
    return resiliation_tick()


def resiliation_tick() -> dict:
    from resiliation.selectors import letters_dispatch_due
    from resiliation.services import letter_dispatch, signatures_expire

    now = clock.local_now()
    expired = signatures_expire(now=now)
    sent = sum(letter_dispatch(letter_id=letter_id, now=now) for letter_id in letters_dispatch_due(now=now))
    return {"expired": expired, "sent": sent}


from resiliation.sandbox import tasks as _sandbox_tasks  # noqa: E402,F401  registered with the app's tasks
