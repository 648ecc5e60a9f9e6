"""Celery tasks of the platform: thin, idempotent, they take ids and re-read."""

from celery import shared_task

from portal import clock, notifications


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=30,
    time_limit=60,
    max_retries=notifications.MAX_ATTEMPTS,
)
def outbox_send_task(self, message_id: int) -> bool:
    try:
        return notifications.outbox_send(message_id=message_id)
    except notifications.EmailDeliveryError as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in.total_seconds())


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def outbox_send_batch_task(message_ids: list[int]) -> int:
    """Send many messages (notifications.SEND_BATCH); one the provider refuses is retried on
    its own with its back-off. Killed midway, the rest stays pending for the periodic flush."""
    sent = 0
    for message_id in message_ids:
        try:
            sent += notifications.outbox_send(message_id=message_id)
        except notifications.EmailDeliveryError as exc:
            outbox_send_task.apply_async((message_id,), countdown=exc.retry_in.total_seconds())
    return sent


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def outbox_flush_task() -> int:
    """Safety net: (re)queue what is due, e.g. after a worker or the broker was down."""
    ids = notifications.outbox_due_ids()
    for message_id in ids:
        outbox_send_task.delay(message_id)
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def digest_send_task() -> int:
    return notifications.digests_send(business_date=clock.business_today())
