"""Celery tasks of the paper-mail service: thin, they take ids, re-read, are idempotent, are
queued after commit (``portal.transactions.enqueue_on_commit``) and set limits and retries. Their bodies are the
service functions, which the tests call directly."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from portal import clock

RETRY = {"autoretry_for": (DatabaseError, OSError), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, soft_time_limit=180, time_limit=240, **RETRY)
def document_convert_task(document_id: int) -> bool:
    """An office file converted by LibreOffice (its own time limit of 120 s, killed beyond)."""
    from courrier.services import document_convert

    return document_convert(document_id=document_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, **RETRY)
def envelopes_handover_task() -> int:
    """10:30 Europe/Paris on business days (beat): every due envelope handed over at once."""
    from courrier.services import envelopes_hand_over

    return len(envelopes_hand_over(now=clock.local_now(), calendar=clock.business_calendar()))


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=8)
def envelopes_submit_task(envelope_ids: list[int]) -> int:
    """A chunk of transmitted envelopes to the postal provider (idempotent on each envelope)."""
    from courrier.services import envelopes_submit

    return envelopes_submit(envelope_ids=envelope_ids)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, autoretry_for=(Exception,), retry_backoff=True,
             max_retries=8)
def envelope_proof_task(envelope_id: int, kind: str) -> bool:
    from courrier.services import envelope_proof_fetch

    return envelope_proof_fetch(envelope_id=envelope_id, kind=kind)


@shared_task(acks_late=True, soft_time_limit=1500, time_limit=1800, **RETRY)
def contents_purge_task() -> int:
    """Daily (beat): contents 14 days after posting, drafts after 30 days."""
    from courrier.services import contents_purge

    return contents_purge(now=clock.local_now()).envelopes


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def courrier_tick_task() -> int:
    """Every few minutes (beat): submissions a lost task left behind are queued again."""
    from courrier.services import envelopes_submit_stale

    return len(envelopes_submit_stale(now=clock.local_now()))


# The sandbox provider's own tasks, registered with the worker (see courrier.sandbox).
from courrier.sandbox import tasks as _sandbox_tasks  # noqa: E402,F401
