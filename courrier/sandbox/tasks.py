"""Celery tasks of the sandbox postal provider."""

from __future__ import annotations

from celery import shared_task

from portal import clock


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def sandbox_webhook_deliver_task(delivery_id: int) -> bool:
    """One attempt; a failed delivery keeps its back-off and is retried by the tick."""
    from courrier.sandbox.provider import sandbox_webhook_deliver

    return sandbox_webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def sandbox_tick_task() -> dict:
    """Every few minutes (beat): La Poste's automatic news, then webhooks not yet delivered."""
    from courrier.sandbox.provider import sandbox_tick, sandbox_webhook_deliver, sandbox_webhooks_due

    moved = sandbox_tick(now=clock.local_now())
    moved["webhooks"] = sum(sandbox_webhook_deliver(delivery_id=i) for i in sandbox_webhooks_due())
    return moved
