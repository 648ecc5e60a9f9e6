"""Celery tasks of the sandbox providers (development and tests: they do nothing in production)."""

from __future__ import annotations

from celery import shared_task

from portal import clock


@shared_task(acks_late=True, soft_time_limit=30, time_limit=60)
def sandbox_webhook_deliver_task(delivery_id: int) -> bool:
    """One attempt; a failed delivery keeps its back-off and is retried by the tick."""
    from resiliation.sandbox.provider import sandbox_webhook_deliver

    return sandbox_webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def sandbox_tick_task() -> dict:
    """Every few minutes (beat): letters not collected in 15 days resent, webhooks not yet delivered."""
    return sandbox_tick()


def sandbox_tick() -> dict:
    from resiliation.sandbox.provider import sandbox_mail_tick, sandbox_webhook_deliver, sandbox_webhooks_due

    resent = sandbox_mail_tick(now=clock.local_now())
    delivered = sum(sandbox_webhook_deliver(delivery_id=i) for i in sandbox_webhooks_due())
    return {"resent": resent, "webhooks": delivered}
