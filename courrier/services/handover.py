"""The 10:30 hand-over to La Poste (seed §8.2, §8.4 c) and the submission to the postal provider.

``envelopes_hand_over`` is set-based: one UPDATE moves every due envelope (Programmé →
Transmis) and returns their ids, one INSERT … SELECT writes their history — two statements
whatever the number of envelopes. The provider then receives them in chunks, after commit, by
Celery tasks (``envelopes_submit``): one call per envelope (its PDF), idempotent on the
envelope's key, so a retried task never posts twice.

The hand-over records the provider that takes the envelopes (its name: the one whose webhooks
may then move them, the one their proofs come from). A provider that may not run — the sandbox
where sandboxes are not allowed, an ``http`` provider without its gateway — refuses the hand-over
itself: the envelopes stay « Programmé » and the next run after the fix takes them (a late run
catches up).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction

from courrier import rules
from courrier.models import Envelope, EnvelopeEvent, EventType, Status
from courrier.providers import PostalSubmission, postal_provider
from portal.pdf import document_bytes
from portal.transactions import enqueue_on_commit

SUBMIT_CHUNK = 200
STALE_SUBMISSION = timedelta(minutes=15)


def _datetime(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def envelopes_hand_over(*, now: datetime, calendar) -> list[int]:
    """Hand every due envelope over (its hand-over date reached, 10:30 struck on a business
    day); returns their ids. Their submission to the provider is queued after commit."""
    through = rules.handover_due_through(now=now, calendar=calendar)
    if through is None:
        return []
    provider = postal_provider()  # refused here, before anything moves, when it may not run
    quote = connection.ops.quote_name
    envelopes, events = quote(Envelope._meta.db_table), quote(EnvelopeEvent._meta.db_table)
    moment = _datetime(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {envelopes} SET status = %s, transmitted_at = %s, provider = %s, updated_at = %s "  # noqa: S608
            "WHERE status = %s AND handover_date <= %s RETURNING id",
            [Status.TRANSMITTED, moment, provider.name, moment, Status.SCHEDULED,
             connection.ops.adapt_datefield_value(through)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        if ids:
            cursor.execute(
                f"INSERT INTO {events} (envelope_id, type, occurred_at, detail, by_id) "  # noqa: S608
                f"SELECT id, %s, %s, '', NULL FROM {envelopes} WHERE status = %s AND transmitted_at = %s "
                "ON CONFLICT DO NOTHING",
                [EventType.TRANSMITTED, moment, Status.TRANSMITTED, moment],
            )
            _submit_after_commit(ids)
    return ids


def _submit_after_commit(ids: Sequence[int]) -> None:
    from courrier.tasks import envelopes_submit_task

    for start in range(0, len(ids), SUBMIT_CHUNK):
        enqueue_on_commit(envelopes_submit_task, list(ids[start:start + SUBMIT_CHUNK]))


def _submission(envelope: Envelope) -> PostalSubmission:
    pages = [document.pages or 0 for document in envelope.documents.all()]
    address_page = rules.uses_address_page(mode=envelope.mode, recipient_from_document=envelope.recipient_source
                                           == "document")
    return PostalSubmission(
        client_reference=f"envelope-{envelope.pk}", mode=envelope.mode, handover_date=envelope.handover_date,
        recipient=tuple(envelope.recipient_address_lines), sender=tuple(envelope.sender_address_lines),
        print_pdf=document_bytes(envelope.print_document), pages=envelope.print_pages or 0,
        sheets=envelope.sheets or 0, colour=envelope.colour, duplex=envelope.duplex,
        staples=tuple(rules.staple_ranges(pages=pages, duplex=envelope.duplex, address_page=address_page,
                                          staple=envelope.staple)),
    )


def envelopes_submit(*, envelope_ids: Sequence[int]) -> int:
    """Body of the submission task: hand each transmitted envelope to the provider once (its
    key is the envelope) — the provider it was handed over to —, record the provider's
    reference. Returns how many were submitted."""
    providers = {}
    envelopes = (Envelope.objects.filter(pk__in=list(envelope_ids), status__in=[Status.TRANSMITTED, Status.POSTED],
                                         provider_reference="", print_document__isnull=False)
                 .select_related("print_document").prefetch_related("documents").order_by("id"))
    submitted = 0
    for envelope in envelopes:
        if envelope.provider not in providers:
            providers[envelope.provider] = postal_provider(envelope.provider)
        reference = providers[envelope.provider].envelope_submit(_submission(envelope))
        Envelope.objects.filter(pk=envelope.pk, provider_reference="").update(provider_reference=reference)
        submitted += 1
    return submitted


def envelopes_submit_stale(*, now: datetime) -> list[int]:
    """Transmitted envelopes the provider has not acknowledged 15 minutes later (a lost task):
    queued again (the provider's key makes it harmless)."""
    ids = list(Envelope.objects.filter(status=Status.TRANSMITTED, provider_reference="",
                                       transmitted_at__lt=now - STALE_SUBMISSION).values_list("id", flat=True))
    if ids:
        _submit_after_commit(ids)
    return ids
