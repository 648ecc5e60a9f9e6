"""The registered-mail lifecycle from the provider's webhooks: Déposée → Signée (with AR) /
Relevée (without), or Non relevée après 15 jours → retransmise. Events never move a letter
backwards (out-of-order deliveries); the proofs (deposit notice, acknowledgement) are fetched
after commit and e-mailed to the souscripteur; the old contract manager gets a copy once the
insurer has received the letter."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from portal.pdf import document_store
from portal.transactions import enqueue_on_commit
from portal.webhooks import WebhookRetry
from resiliation import emails
from resiliation.models import STATUS_RANK, LetterStatus, TerminationLetter


def _letter_for(event: dict) -> TerminationLetter:
    """The letter of an event: one handed to that provider (its name, recorded at hand-over with
    the reference it answered). The provider may call back before the portal has recorded the
    answer to the submission: the letter is then unknown and the provider retries later (409);
    a draft, a letter of another provider or one not sent yet is never found."""
    letters = TerminationLetter.objects.select_for_update(of=("self",)).select_related("insurer", "organisation")
    letter = letters.filter(registered_mail_provider=event["provider"], provider_reference=event["reference"]).first()
    if letter is None:
        raise WebhookRetry("courrier inconnu")
    return letter


def _advance(letter: TerminationLetter, status: str) -> bool:
    if STATUS_RANK.get(letter.status, 0) >= STATUS_RANK[status]:
        return False
    letter.status = status
    return True


def registered_event_deposited(*, event: dict, now: datetime) -> bool:
    letter = _letter_for(event)
    first = letter.deposited_at is None
    if first:
        letter.deposited_at = event["occurred"]
    moved = _advance(letter, LetterStatus.DEPOSITED)
    letter.save(update_fields=["deposited_at", "status", "updated_at"])
    if first:
        _proof_after_commit(letter, "deposit")
    return moved or first


def registered_event_received(*, event: dict, now: datetime) -> bool:
    letter = _letter_for(event)
    status = LetterStatus.SIGNED if event["type"].endswith(".signed") else LetterStatus.COLLECTED
    if letter.received_at is not None:
        return False
    letter.received_at = event["occurred"]
    _advance(letter, status)
    letter.save(update_fields=["received_at", "status", "updated_at"])
    if letter.old_manager_email and not letter.old_manager_informed_at:
        emails.old_manager_copy(letter=letter)
        TerminationLetter.objects.filter(pk=letter.pk).update(old_manager_informed_at=now)
    if status == LetterStatus.SIGNED:
        _proof_after_commit(letter, "acknowledgement")
    else:
        emails.subscriber_collected(letter=letter)
    return True


def registered_event_resent(*, event: dict, now: datetime) -> bool:
    letter = _letter_for(event)
    if not _advance(letter, LetterStatus.RESENT):
        return False
    letter.save(update_fields=["status", "updated_at"])
    return True


def _proof_after_commit(letter: TerminationLetter, kind: str) -> None:
    from resiliation.tasks import letter_proof_task

    enqueue_on_commit(letter_proof_task, letter.pk, kind)


def letter_proof_fetch(*, letter_id: int, kind: str) -> bool:
    """Fetch a proof PDF from the provider (outside any transaction), store it, e-mail it."""
    from resiliation.providers import registered_mail_provider

    field = "deposit_notice" if kind == "deposit" else "acknowledgement"
    letter = TerminationLetter.objects.select_related("insurer", "organisation").get(pk=letter_id)
    if getattr(letter, f"{field}_id"):
        return False
    # From the provider the letter was handed to, whatever the settings say today.
    provider = registered_mail_provider(letter.registered_mail_provider)
    content = provider.proof_document(reference=letter.provider_reference, kind=kind)
    with transaction.atomic():
        title = "Avis_de_depot" if kind == "deposit" else "Accuse_de_reception"
        stored = document_store(content=content, name=f"{title}_{letter.pk}.pdf", content_type="application/pdf")
        updated = TerminationLetter.objects.filter(pk=letter.pk, **{f"{field}__isnull": True}).update(
            **{field: stored})
        if updated:
            emails.subscriber_proof(letter=letter, kind=kind)
    return bool(updated)
