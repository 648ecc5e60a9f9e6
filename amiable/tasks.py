"""Celery tasks of the cycle amiable: thin interfaces over the same services."""

from celery import shared_task

from amiable import cycle, letters
from portal import clock


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=2000)
def amiable_tick_task() -> str:
    """The daily run (06:00 Europe/Paris, CELERY_BEAT_SCHEDULE)."""
    report = cycle.amiable_tick(today=clock.business_today(), calendar=clock.business_calendar())
    return str(report)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def payments_settle_task() -> dict:
    """Apply payments received since the last run (every few minutes)."""
    return cycle.payments_settle(today=clock.business_today(), calendar=clock.business_calendar())


@shared_task(
    acks_late=True,
    soft_time_limit=600,  # a batch is cycle.LETTERS_PER_TASK letters (~40 s at 12 letters/s)
    time_limit=660,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def letters_render_task(letter_ids: list[int]) -> int:
    """Render a batch of letters; idempotent (a rendered letter is skipped)."""
    return sum(letters.letter_render(letter_id=letter_id) for letter_id in letter_ids)
