"""Celery tasks of billing: thin, idempotent, they take ids and re-read."""

from celery import shared_task

from billing import documents, invoicing
from portal import clock
from portal.months import previous_month


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def receipt_render_task(receipt_id: int) -> int:
    return documents.receipt_document_ensure(receipt_id=receipt_id).pk


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def invoice_render_task(invoice_id: int) -> int:
    return documents.invoice_document_ensure(invoice_id=invoice_id).pk


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def invoices_issue_task() -> int:
    """Beat job: the invoices of last month's consumption (idempotent; a late run catches up)."""
    start, _ = previous_month(clock.business_today())
    return invoicing.invoices_issue(period_start=start, today=clock.business_today()).count
