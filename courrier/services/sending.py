"""Sending an envelope (seed §8.4–8.6): what is missing, the price, the print-ready visual,
validation with its debit, date change and cancellation with refund.

The price shown on the confirmation screen is the price debited: validation takes the
``accepted_price`` the user saw and refuses a different one. The debit's idempotency key is the
envelope, so a double click debits once; a validated envelope answers a second validation
with itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from courrier import charges, processing, rules
from courrier.models import (
    DocumentStatus,
    Envelope,
    EnvelopeDocument,
    EnvelopeEvent,
    EnvelopePreview,
    EventType,
    RecipientSource,
    Status,
)
from courrier.services.content import stored_documents_delete
from courrier.services.envelopes import check_draft
from portal.errors import ApplicationError
from portal.formatting import format_date, format_money
from portal.models import User
from portal.pdf import document_bytes, document_store

PREVIEW_MAX_PAGES = 40  # page images shown before sending; the PDF has them all
VALIDATED = (Status.SCHEDULED, Status.TRANSMITTED, Status.POSTED)


# -------------------------------------------------------------------------- what is missing


def _documents(envelope: Envelope) -> list[EnvelopeDocument]:
    return list(envelope.documents.select_related("pdf"))


def envelope_address_page(envelope: Envelope) -> bool:
    return rules.uses_address_page(mode=envelope.mode,
                                   recipient_from_document=envelope.recipient_source == RecipientSource.DOCUMENT)


def envelope_sheets(envelope: Envelope, documents: list[EnvelopeDocument] | None = None) -> tuple[int, int]:
    """(pages, sheets) of the ready documents, as they would be printed now."""
    documents = _documents(envelope) if documents is None else documents
    pages = [d.pages for d in documents if d.status == DocumentStatus.READY and d.pages]
    address_page = envelope_address_page(envelope)
    return sum(pages) + (1 if address_page else 0), rules.sheets_count(pages=pages, duplex=envelope.duplex,
                                                                       address_page=address_page)


def envelope_blockers(envelope: Envelope, documents: list[EnvelopeDocument] | None = None) -> list[tuple[str, str]]:
    """What is left to do before « Envoyer » (field, French message); empty when ready."""
    documents = _documents(envelope) if documents is None else documents
    blockers: list[tuple[str, str]] = []
    if not documents:
        blockers.append(("documents", "Ajoutez au moins un document (bouton « Ajouter + »)."))
    for document in documents:
        if document.status == DocumentStatus.CONVERTING:
            blockers.append(("documents", f"« {document.name} » est en cours de conversion : patientez quelques "
                                          "instants."))
        elif document.status == DocumentStatus.FAILED:
            blockers.append(("documents", f"« {document.name} » n'a pas pu être converti ({document.error}) : "
                                          "retirez-le."))
    _, sheets = envelope_sheets(envelope, documents)
    if sheets > rules.MAX_SHEETS:
        blockers.append(("documents", rules.sheets_error(sheets)))
    tracked = envelope.mode in rules.TRACKED_MODES
    if envelope.recipient_source == RecipientSource.NONE or (
            tracked and envelope.recipient_source != RecipientSource.TYPED):
        blockers.append(("recipient", "Saisissez l'adresse du destinataire." if tracked else
                         "Indiquez le destinataire : utilisez l'adresse du premier document ou saisissez-la."))
    elif not envelope.recipient_name:
        blockers.append(("recipient", "Aucune adresse n'a été détectée dans la fenêtre du premier document : placez "
                                      "en premier le document qui porte l'adresse, ou saisissez-la."))
    if tracked and not envelope.sender_name:
        blockers.append(("sender", "Indiquez l'expéditeur (« Utiliser vos coordonnées »)."))
    return blockers


def check_ready(envelope: Envelope, documents: list[EnvelopeDocument] | None = None) -> None:
    blockers = envelope_blockers(envelope, documents)
    if blockers:
        field, message = blockers[0]
        raise ApplicationError(message, field=field)


# ------------------------------------------------------------------------------------ price


@dataclass(frozen=True)
class EnvelopeQuote:
    pages: int
    sheets: int
    address_page: bool
    first_page_address: bool
    price: charges.Price

    @property
    def total(self) -> Decimal:
        return self.price.total


def envelope_quote(*, envelope: Envelope, on: date, documents: list[EnvelopeDocument] | None = None
                   ) -> EnvelopeQuote | None:
    """The price of the envelope as it stands (None while there is nothing to price)."""
    pages, sheets = envelope_sheets(envelope, documents)
    address_page = envelope_address_page(envelope)
    if sheets - (1 if address_page else 0) < 1 or sheets > rules.MAX_SHEETS:
        return None
    first_page_address = envelope.recipient_source == RecipientSource.DOCUMENT and not address_page
    price = charges.paper_price(mode=envelope.mode, sheets=sheets, typed_address=address_page,
                                first_page_address=first_page_address, on=on)
    return EnvelopeQuote(pages=pages, sheets=sheets, address_page=address_page,
                         first_page_address=first_page_address, price=price)


# ----------------------------------------------------------------------- print-ready visual


def _print_key(envelope: Envelope, documents: list[EnvelopeDocument]) -> str:
    state = {
        "number": envelope.number, "mode": envelope.mode, "colour": envelope.colour, "duplex": envelope.duplex,
        "staple": envelope.staple, "address_page": envelope_address_page(envelope),
        "recipient": envelope.recipient_address_lines, "sender": envelope.sender_address_lines,
        "header": letterhead_lines(envelope),
        "documents": [(d.pk, d.pdf.sha256 if d.pdf else "") for d in documents],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def letterhead_lines(envelope: Envelope) -> list[str]:
    """The letter header of the organisation (« Entête des lettres ») on the address page."""
    organisation = envelope.organisation
    lines = [organisation.signature_name, *organisation.address_lines]
    if organisation.orias:
        lines.append(f"ORIAS n° {organisation.orias}")
    lines += [line.strip() for line in organisation.letter_header.splitlines() if line.strip()]
    return lines


def _postal(lines_name: str, lines: list[str], postal_code: str, city: str) -> processing.PostalAddress:
    return processing.PostalAddress(name=lines_name, address_lines=tuple(lines), postal_code=postal_code, city=city)


def envelope_prepare(*, envelope: Envelope) -> Envelope:
    """Build (or keep, when nothing changed) the exact print-ready PDF and its page images.

    PDF and image work runs outside any transaction; the files are then stored in a short one
    that replaces the previous visual. Refused while something is missing (see blockers)."""
    check_draft(envelope)
    documents = _documents(envelope)
    check_ready(envelope, documents)
    key = _print_key(envelope, documents)
    if envelope.print_key == key and envelope.print_document_id:
        return envelope
    parts = []
    if envelope_address_page(envelope):
        sender = None
        if envelope.sender_name:
            sender = _postal(envelope.sender_name, envelope.sender_lines, envelope.sender_postal_code,
                             envelope.sender_city)
        parts.append(processing.address_page_pdf(
            recipient=_postal(envelope.recipient_name, envelope.recipient_lines, envelope.recipient_postal_code,
                              envelope.recipient_city),
            sender=sender, letterhead_lines=letterhead_lines(envelope)))
    parts += [document_bytes(document.pdf) for document in documents]
    printed = processing.print_pdf(parts=parts, envelope_number=envelope.number, duplex=envelope.duplex)
    images = processing.page_images(printed.pdf, max_pages=PREVIEW_MAX_PAGES)
    with transaction.atomic():
        locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
        check_draft(locked)
        old = [locked.print_document_id, *EnvelopePreview.objects.filter(envelope=locked).values_list("image_id",
                                                                                                      flat=True)]
        EnvelopePreview.objects.filter(envelope=locked).delete()
        locked.print_document = document_store(content=printed.pdf, name=f"Courrier_{envelope.number}.pdf",
                                               content_type="application/pdf")
        EnvelopePreview.objects.bulk_create([
            EnvelopePreview(envelope=locked, page=number, image=document_store(
                content=image, name=f"Courrier_{envelope.number}_page_{number}.png", content_type="image/png"))
            for number, image in enumerate(images, start=1)
        ])
        locked.print_key, locked.print_pages = key, printed.pages
        locked.save(update_fields=["print_document", "print_key", "print_pages", "updated_at"])
        stored_documents_delete(ids=old)
    envelope.print_document, envelope.print_key, envelope.print_pages = (locked.print_document, key,
                                                                        printed.pages)
    return envelope


# ------------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class SendingPlan:
    """What the confirmation screen shows and validation debits."""

    send_on: date | None
    handover_date: date
    handover_moved: bool  # a scheduled non-business day: handed over on the next business day
    quote: EnvelopeQuote


def sending_plan(*, envelope: Envelope, send_on: date | None, now: datetime, calendar) -> SendingPlan:
    check_ready(envelope)
    if send_on is not None:
        error = rules.send_on_error(send_on=send_on, today=now.date())
        if error:
            raise ApplicationError(error, field="send_on")
    quote = envelope_quote(envelope=envelope, on=now.date())
    if quote is None:
        raise ApplicationError("Ajoutez au moins un document (bouton « Ajouter + »).", field="documents")
    return SendingPlan(
        send_on=send_on, quote=quote,
        handover_date=rules.handover_date(validated_at=now, send_on=send_on, calendar=calendar),
        handover_moved=send_on is not None and rules.handover_moved(send_on=send_on, calendar=calendar),
    )


def envelope_send(*, envelope: Envelope, by: User, accepted_price: Decimal, send_on: date | None, now: datetime,
                  calendar, accepted_handover_date: date | None = None) -> Envelope:
    """« Envoyer » on the confirmation screen: debit the price the user accepted, then the
    envelope is Programmé until its hand-over date (today before 10:30 on a business day,
    else the next business day; or the scheduled date). Nothing is debited or changed on any
    error (insufficient credit: « Crédit insuffisant… », code ``insufficient_credit``)."""
    if envelope.status in VALIDATED and envelope.debit_entry_id:
        return envelope  # a second click: already validated and debited once
    check_draft(envelope)
    plan = sending_plan(envelope=envelope, send_on=send_on, now=now, calendar=calendar)
    envelope = envelope_prepare(envelope=envelope)  # outside the transaction: PDF work
    if accepted_price is None or Decimal(accepted_price) != plan.quote.total:
        raise ApplicationError(
            f"Le prix a changé : ce courrier coûte maintenant {format_money(plan.quote.total)}"
            + (f" (vous aviez accepté {format_money(accepted_price)})" if accepted_price is not None else "")
            + ". Vérifiez le récapitulatif et validez à nouveau.", field="accepted_price")
    if accepted_handover_date is not None and accepted_handover_date != plan.handover_date:
        raise ApplicationError(
            f"La date de prise en charge par La Poste est maintenant le {format_date(plan.handover_date)} "
            "(validation après 10 h 30 ou un jour non ouvré) : vérifiez-la et validez à nouveau.", field="send_on")
    with transaction.atomic():
        locked = Envelope.objects.select_for_update().select_related("organisation").get(pk=envelope.pk)
        if locked.status in VALIDATED and locked.debit_entry_id:
            return locked
        check_draft(locked)
        if locked.print_key != envelope.print_key or _print_key(locked, _documents(locked)) != locked.print_key:
            raise ApplicationError("Le courrier a été modifié entre-temps : vérifiez le visuel et validez à nouveau.",
                                   field="documents")
        label = f"Courrier papier #{locked.number} ({locked.get_mode_display()})"
        locked.debit_entry_id = charges.debit(organisation=locked.organisation, price=plan.quote.price,
                                              key=f"courrier:envelope:{locked.pk}", label=label, on=now.date(),
                                              by=by)
        locked.status, locked.send_on, locked.handover_date = Status.SCHEDULED, send_on, plan.handover_date
        locked.price, locked.pages, locked.sheets = plan.quote.total, plan.quote.pages, plan.quote.sheets
        locked.validated_at = now
        locked.save()
        when = "Envoyer maintenant" if send_on is None else f"Envoi programmé le {format_date(send_on)}"
        EnvelopeEvent.objects.create(envelope=locked, type=EventType.VALIDATED, occurred_at=now, by=by,
                                     detail=f"{when} : prise en charge par La Poste le "
                                            f"{format_date(plan.handover_date)}, {format_money(locked.price)} débités.")
    return locked


# ----------------------------------------------------------------------- change and cancel

CHANGE_REFUSED = ("La date d'envoi ne peut plus être modifiée ni l'envoi annulé : c'est possible jusqu'à la veille "
                  "de la date programmée, jamais après « Envoyer maintenant ».")


def _lock_changeable(envelope: Envelope, today: date) -> Envelope:
    locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
    if locked.status != Status.SCHEDULED or not rules.may_change(send_on=locked.send_on, today=today):
        raise ApplicationError(CHANGE_REFUSED)
    return locked


def envelope_reschedule(*, envelope: Envelope, send_on: date | None, by: User | None, now: datetime,
                        calendar) -> Envelope:
    """« Modifier la date d'envoi » of a scheduled envelope, until the eve of its date."""
    today = now.date()
    if send_on is None:
        raise ApplicationError("Choisissez la nouvelle date d'envoi.", field="send_on")
    with transaction.atomic():
        locked = _lock_changeable(envelope, today)
        error = rules.send_on_error(send_on=send_on, today=today)
        if error:
            raise ApplicationError(error, field="send_on")
        locked.send_on = send_on
        locked.handover_date = rules.handover_date(validated_at=now, send_on=send_on, calendar=calendar)
        locked.save(update_fields=["send_on", "handover_date", "updated_at"])
        EnvelopeEvent.objects.create(envelope=locked, type=EventType.RESCHEDULED, occurred_at=now, by=by,
                                     detail=f"Nouvelle date d'envoi : {format_date(send_on)} (prise en charge par "
                                            f"La Poste le {format_date(locked.handover_date)}).")
    return locked


def envelope_cancel(*, envelope: Envelope, by: User | None, now: datetime) -> Envelope:
    """« Annuler » a scheduled envelope until the eve of its date: refunded in full."""
    today = now.date()
    with transaction.atomic():
        locked = _lock_changeable(envelope, today)
        locked.status, locked.cancelled_at = Status.CANCELLED, now
        if locked.debit_entry_id and not locked.refund_entry_id:
            locked.refund_entry_id = charges.refund(debit_entry_id=locked.debit_entry_id,
                                                    reason=f"Courrier papier #{locked.number} annulé", by=by, on=today)
        locked.save(update_fields=["status", "cancelled_at", "refund_entry_id", "updated_at"])
        EnvelopeEvent.objects.create(envelope=locked, type=EventType.CANCELLED, occurred_at=now, by=by,
                                     detail=f"{format_money(locked.price)} remboursés.")
    return locked
