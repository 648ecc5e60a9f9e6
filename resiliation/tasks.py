"""Celery tasks of the résiliation app: thin, idempotent, they take ids and re-read."""

from __future__ import annotations

from celery import shared_task

from portal import clock


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


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=5)
def signature_cancel_task(request_id: int) -> bool:
    from resiliation.sending import signature_provider_cancel

    return signature_provider_cancel(request_id=request_id)


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
