"""Celery tasks of the commissions module: thin, idempotent, they take ids and re-read."""

from celery import shared_task

from commissions import documents, services
from portal import clock
from portal.months import previous_month


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def statement_render_task(statement_id: int) -> int:
    return documents.statement_document_ensure(statement_id=statement_id).pk


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def statements_issue_task() -> int:
    """Beat job: last month's commission statements (idempotent; a late run catches up)."""
    today = clock.business_today()
    start, _ = previous_month(today)
    return services.statements_issue(period_start=start, today=today).count
