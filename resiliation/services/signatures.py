"""The e-signature of the mandate (seed 001 §5.6): start a request at the provider, apply its
webhook events, and interrupt at 20:00 Europe/Paris on the send day (cancelled, refunded,
user e-mailed)."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction

from portal.clock import local_zone
from portal.errors import ApplicationError
from portal.pdf import document_bytes, document_store
from resiliation import documents, emails
from resiliation.models import (
    LetterStatus,
    MandateChoice,
    SignatureRequest,
    SignatureStatus,
    TerminationLetter,
)
from resiliation.providers import signature_provider
from resiliation.rules import MOBILE
from resiliation.selectors import signature_expiry
from resiliation.services.sending import letter_cancel, letter_dispatch_start

SIGNATURE_RANK = {SignatureStatus.PENDING: 0, SignatureStatus.OPENED: 1}


def signature_request_start(*, letter: TerminationLetter, email: str, mobile_phone: str, mode: str,
                            certified: bool, now: datetime) -> SignatureRequest:
    """« Signer le mandat »: send the mandate to the provider; the signer gets the link by e-mail
    (remote) and the user may open it with them (in person)."""
    if letter.status != LetterStatus.AWAITING_SIGNATURE:
        raise ApplicationError("Cette lettre n'attend pas de signature.")
    email, mobile_phone = (email or "").strip(), (mobile_phone or "").strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ApplicationError("Saisissez l'adresse e-mail de votre souscripteur.", field="email")
    if not MOBILE.match(mobile_phone):
        raise ApplicationError("Saisissez un numéro de mobile français (06 ou 07).", field="mobile_phone")
    if mode not in ("remote", "in_person"):
        raise ApplicationError("Choisissez comment signe votre client.", field="mode")
    if not certified:
        raise ApplicationError("Cochez « Je certifie avoir fourni les informations de mon souscripteur et que "
                               "celles-ci sont exactes ».", field="certified")
    expires_at = signature_expiry(letter)
    if now >= expires_at:
        raise ApplicationError("Il est trop tard pour signer : le délai de 20h00 est dépassé.")
    if SignatureRequest.objects.filter(letter=letter, status__in=["pending", "opened"]).exists():
        raise ApplicationError("Une procédure de signature est déjà en cours pour cette lettre.")
    # Render or read the mandate outside any transaction, then call the provider.
    if letter.mandate_choice == MandateChoice.ESIGN_OWN and letter.mandate_document_id:
        content = document_bytes(letter.mandate_document)
    else:
        content = documents.mandate_pdf(letter, letter_date=now.astimezone(local_zone()).date())
    provider = signature_provider()
    start = provider.signature_start(
        document=content, document_name="Mandat_Resiliation.pdf", signer_name=letter.subscriber_name,
        email=email, mobile_phone=mobile_phone, expires_at=expires_at)
    with transaction.atomic():
        request = SignatureRequest.objects.create(
            letter=letter, provider=provider.name, provider_reference=start.reference, mode=mode,
            email=email, mobile_phone=mobile_phone, expires_at=expires_at, signing_url=start.url)
        mandate = letter.mandate_document if letter.mandate_choice == MandateChoice.ESIGN_OWN else document_store(
            content=content, name="Mandat_Resiliation.pdf", content_type="application/pdf")
        TerminationLetter.objects.filter(pk=letter.pk).update(mobile_phone=mobile_phone, mandate_document=mandate)
        emails.signature_link(request=request)
    return request


def _request_for(event: dict) -> SignatureRequest | None:
    """The request of an event: started at that provider (its name) under that reference."""
    return (SignatureRequest.objects.select_for_update().select_related("letter")
            .filter(provider=event["provider"], provider_reference=event["reference"]).first())


def signature_event_opened(*, event: dict, now: datetime) -> bool:
    request = _request_for(event)
    if request is None or request.status != SignatureStatus.PENDING:
        return False  # a late « opened » after signed/expired changes nothing
    request.status = SignatureStatus.OPENED
    request.save(update_fields=["status"])
    return True


def signature_event_signed(*, event: dict, now: datetime) -> bool:
    """The mandate is signed: keep the provider's signature proof (sent with the mandate), then
    send today or keep the scheduled date."""
    request = _request_for(event)
    if request is None or request.status not in (SignatureStatus.PENDING, SignatureStatus.OPENED):
        return False
    letter = TerminationLetter.objects.select_for_update().get(pk=request.letter_id)
    if letter.status != LetterStatus.AWAITING_SIGNATURE:
        return False
    signed_at = event["occurred"]
    if signed_at >= request.expires_at:
        return False  # signed too late: the expiry job cancels the letter
    content = signature_provider(request.provider).signed_document(reference=request.provider_reference)
    stored = document_store(content=content, name="Mandat_Resiliation_signe.pdf", content_type="application/pdf")
    request.status, request.signed_at, request.signed_document = SignatureStatus.SIGNED, signed_at, stored
    request.save(update_fields=["status", "signed_at", "signed_document"])
    # Once the client has signed, the sending can no longer be cancelled or moved (seed 001 §5.6a).
    letter.status, letter.mandate_signed_at = LetterStatus.SCHEDULED, signed_at
    letter.save(update_fields=["status", "mandate_signed_at", "updated_at"])
    if letter.send_date <= now.astimezone(local_zone()).date():
        letter_dispatch_start(letter=letter)
    return True


def _end(event: dict, now: datetime, *, status: str, letter_status: str, reason: str) -> bool:
    request = _request_for(event)
    if request is None or request.status not in (SignatureStatus.PENDING, SignatureStatus.OPENED):
        return False
    letter = request.letter
    if letter.status != LetterStatus.AWAITING_SIGNATURE:
        request.status = status
        request.save(update_fields=["status"])
        return True
    letter_cancel(letter=letter, by=None, now=now, status=letter_status, reason=reason)
    SignatureRequest.objects.filter(pk=request.pk).update(status=status)
    letter.refresh_from_db()
    if status == SignatureStatus.REFUSED:
        emails.user_signature_refused(letter=letter)
    else:
        emails.user_signature_expired(letter=letter)
    return True


def signature_event_refused(*, event: dict, now: datetime) -> bool:
    return _end(event, now, status=SignatureStatus.REFUSED, letter_status=LetterStatus.CANCELLED,
                reason="Mandat de résiliation refusé par le souscripteur")


def signature_event_expired(*, event: dict, now: datetime) -> bool:
    return _end(event, now, status=SignatureStatus.EXPIRED, letter_status=LetterStatus.SIGNATURE_EXPIRED,
                reason="Mandat non signé avant 20h00 le jour de l'envoi")


def signatures_expire(*, now: datetime) -> int:
    """The 20:00 deadline (Celery beat): letters whose mandate is not signed are cancelled,
    refunded and their user e-mailed. Safe to run twice or late."""
    count = 0
    letters = TerminationLetter.objects.filter(status=LetterStatus.AWAITING_SIGNATURE, send_date__lte=now.date())
    for letter in letters.select_related("managed_by", "insurer"):
        if now < signature_expiry(letter):
            continue
        with transaction.atomic():
            try:
                letter_cancel(letter=letter, by=None, now=now, status=LetterStatus.SIGNATURE_EXPIRED,
                              reason="Mandat non signé avant 20h00 le jour de l'envoi")
            except ApplicationError:
                continue  # signed or cancelled meanwhile
            letter.refresh_from_db()
            emails.user_signature_expired(letter=letter)
        count += 1
    return count
