"""Drafts of envelopes: creation, print options and mode, recipient, sender, erasing.

Every change of a draft goes through ``check_draft``: once validated, an envelope's content
never changes (seed §8.5: cancel and start a new one instead).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from courrier import rules
from courrier.models import (
    Envelope,
    EnvelopeEvent,
    EventType,
    Mode,
    RecipientSource,
    Status,
)
from courrier.services.content import stored_documents_delete
from portal.errors import ApplicationError, PermissionDeniedError
from portal.models import Area, User
from portal.selectors import user_has_area

AddressInput = rules.AddressInput


def check_draft(envelope: Envelope) -> None:
    if envelope.content_deleted_at is not None:
        raise ApplicationError("Le contenu de ce courrier a été supprimé (brouillon de plus de 30 jours) : créez "
                               "un nouveau courrier.")
    if envelope.status != Status.DRAFT:
        raise ApplicationError("Ce courrier est validé : son contenu ne peut plus être modifié. Annulez-le (jusqu'à "
                               "la veille de la date programmée) et créez un nouveau courrier.")


def check_may_send_paper_mail(user: User) -> None:
    if not (user.is_active and user.is_intermediary and user.organisation_id
            and user_has_area(user=user, area=Area.COURRIER)):
        raise PermissionDeniedError("Le courrier papier ne fait pas partie de vos habilitations.")


def envelope_create(*, by: User, now: datetime, mode: str = Mode.LETTRE_VERTE, colour: bool = True,
                    duplex: bool = True, staple: bool = False) -> Envelope:
    """« Nouveau courrier papier »: a draft of the user's organisation (state Création)."""
    check_may_send_paper_mail(by)
    _check_mode(mode)
    with transaction.atomic():
        envelope = Envelope.objects.create(organisation_id=by.organisation_id, created_by=by, mode=mode,
                                           colour=colour, duplex=duplex, staple=staple, created_at=now)
        EnvelopeEvent.objects.create(envelope=envelope, type=EventType.CREATED, occurred_at=now, by=by)
    return envelope


def _check_mode(mode: str) -> None:
    if mode not in Mode.values:
        raise ApplicationError("Choisissez un mode d'envoi.", field="mode")


def envelope_options_set(*, envelope: Envelope, mode: str, colour: bool, duplex: bool, staple: bool) -> Envelope:
    """Mode d'envoi and « Modalités d'impression » (couleur, recto/verso, « Agrafer tout »).
    The tracked modes need a typed recipient: a recipient read from the document is dropped."""
    check_draft(envelope)
    _check_mode(mode)
    envelope.mode, envelope.colour, envelope.duplex, envelope.staple = mode, bool(colour), bool(duplex), bool(staple)
    fields = ["mode", "colour", "duplex", "staple", "updated_at"]
    if mode in rules.TRACKED_MODES and envelope.recipient_source == RecipientSource.DOCUMENT:
        _recipient_clear(envelope)
        fields += RECIPIENT_FIELDS
    envelope.save(update_fields=fields)
    return envelope


RECIPIENT_FIELDS = ["recipient_source", "recipient_name", "recipient_lines", "recipient_postal_code",
                    "recipient_city"]
SENDER_FIELDS = ["sender_name", "sender_lines", "sender_postal_code", "sender_city"]


def check_address(address: AddressInput, *, prefix: str) -> AddressInput:
    """The address as it will be printed, or the first error (field ``<prefix>_<field>``)."""
    errors = rules.address_errors(address)
    if errors:
        field, message = next(iter(errors.items()))
        raise ApplicationError(message, field=f"{prefix}_{field}")
    return rules.address_normalised(address)


def _recipient_clear(envelope: Envelope) -> None:
    envelope.recipient_source = RecipientSource.NONE
    envelope.recipient_name, envelope.recipient_lines = "", []
    envelope.recipient_postal_code = envelope.recipient_city = ""


def envelope_recipient_type(*, envelope: Envelope, address: AddressInput) -> Envelope:
    """« Saisir manuellement l'adresse du destinataire »: an address page is added (+0,16 €)."""
    check_draft(envelope)
    clean = check_address(address, prefix="recipient")
    envelope.recipient_source = RecipientSource.TYPED
    envelope.recipient_name, envelope.recipient_lines = clean.name, list(clean.address_lines)
    envelope.recipient_postal_code, envelope.recipient_city = clean.postal_code, clean.city
    envelope.save(update_fields=[*RECIPIENT_FIELDS, "updated_at"])
    return envelope


def envelope_recipient_from_document(*, envelope: Envelope) -> Envelope:
    """« Utiliser l'adresse du premier document (-0,10 €) » (écopli and lettre verte only). The
    address read in the window follows document 1: it is read again when the order changes."""
    check_draft(envelope)
    if envelope.mode not in rules.WINDOW_MODES:
        raise ApplicationError("En lettre suivie et en recommandé, saisissez l'adresse du destinataire.",
                               field="recipient_source")
    from courrier.services.documents import first_document_address

    detected = first_document_address(envelope=envelope)
    if detected is None:
        raise ApplicationError("Aucune adresse n'a été détectée dans la fenêtre du premier document : placez en "
                               "premier le document qui porte l'adresse, ou saisissez-la.", field="recipient_source")
    envelope.recipient_source = RecipientSource.DOCUMENT
    recipient_sync_from(envelope, detected)
    envelope.save(update_fields=[*RECIPIENT_FIELDS, "updated_at"])
    return envelope


def envelope_recipient_from_document_requested(*, envelope: Envelope) -> Envelope:
    """The API's "recipient absent" for écopli / lettre verte: the address of the window of
    document 1, filled in as soon as it is read (office files are converted first)."""
    check_draft(envelope)
    if envelope.mode not in rules.WINDOW_MODES:
        raise ApplicationError("Le destinataire est obligatoire en lettre suivie et en recommandé.",
                               field="recipient")
    from courrier.services.documents import first_document_address

    envelope.recipient_source = RecipientSource.DOCUMENT
    recipient_sync_from(envelope, first_document_address(envelope=envelope))
    envelope.save(update_fields=[*RECIPIENT_FIELDS, "updated_at"])
    return envelope


def recipient_sync_from(envelope: Envelope, detected: dict | None) -> None:
    """Copy the address read in the window (a ``DetectedAddress`` as stored) to the envelope."""
    if detected is None:
        envelope.recipient_name, envelope.recipient_lines = "", []
        envelope.recipient_postal_code = envelope.recipient_city = ""
        return
    envelope.recipient_name = detected["name"][: rules.NAME_MAX]
    envelope.recipient_lines = [line[: rules.ADDRESS_LINE_MAX] for line in detected["address_lines"]]
    envelope.recipient_postal_code = detected["postal_code"]
    envelope.recipient_city = detected["city"][: rules.CITY_MAX].upper()


def envelope_sender_set(*, envelope: Envelope, address: AddressInput) -> Envelope:
    check_draft(envelope)
    clean = check_address(address, prefix="sender")
    envelope.sender_name, envelope.sender_lines = clean.name, list(clean.address_lines)
    envelope.sender_postal_code, envelope.sender_city = clean.postal_code, clean.city
    envelope.save(update_fields=[*SENDER_FIELDS, "updated_at"])
    return envelope


def organisation_address(envelope: Envelope) -> AddressInput:
    organisation = envelope.organisation
    return AddressInput(name=organisation.signature_name,
                        address_lines=tuple(line for line in (organisation.address_line1,
                                                              organisation.address_line2) if line),
                        postal_code=organisation.postal_code, city=organisation.city)


def envelope_sender_from_organisation(*, envelope: Envelope) -> Envelope:
    """« Utiliser vos coordonnées »: the sender is the organisation (nom commercial, address)."""
    check_draft(envelope)
    address = organisation_address(envelope)
    if rules.address_errors(address):
        raise ApplicationError("Les coordonnées de votre cabinet sont incomplètes : saisissez l'expéditeur.",
                               field="sender_name")
    return envelope_sender_set(envelope=envelope, address=address)


def envelope_send_on_set(*, envelope: Envelope, send_on, today) -> Envelope:
    """The date a draft will be sent on (None: « Envoyer maintenant »), from tomorrow on."""
    check_draft(envelope)
    if send_on is not None:
        error = rules.send_on_error(send_on=send_on, today=today)
        if error:
            raise ApplicationError(error, field="send_on")
    envelope.send_on = send_on
    envelope.save(update_fields=["send_on", "updated_at"])
    return envelope


def envelope_erase(*, envelope: Envelope) -> None:
    """« Effacer »: a draft disappears with its files (a validated envelope stays)."""
    from courrier.models import EnvelopeDocument, EnvelopePreview

    with transaction.atomic():
        locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
        check_draft(locked)
        stored = [locked.print_document_id]
        for original, pdf in EnvelopeDocument.objects.filter(envelope=locked).values_list("original_id", "pdf_id"):
            stored += [original, pdf]
        stored += list(EnvelopePreview.objects.filter(envelope=locked).values_list("image_id", flat=True))
        locked.delete()
        stored_documents_delete(ids=stored)
