"""Celery tasks of the activity app: thin interfaces over the same services."""

from celery import shared_task

from activity import services
from portal import clock


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=2000)
def activity_refresh_task() -> str:
    """The morning refresh of the figures (CELERY_BEAT_SCHEDULE, after the cycle amiable's run)."""
    report = services.activity_refresh(today=clock.business_today(), now=clock.local_now())
    return f"{report.monthly_rows} lignes mensuelles, {report.product_rows} lignes par produit, {report.seconds:.1f} s"
