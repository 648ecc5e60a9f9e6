"""E-mails of the résiliation app, through the portal's outbox (each key sent once).

The souscripteur has no login: documents reach them through signed, expiring links
(``resiliation:public_document``), the mandate through the signature provider's page. Those
links are secrets: the outbox stores ``PERSONAL_LINK_PLACEHOLDER`` in their place and
``secret_link`` makes each one from the message's key when it is sent (registered with
``portal.notifications`` by the app's ``ready``)."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from portal.models import StoredDocument
from portal.notifications import PERSONAL_LINK_PLACEHOLDER as LINK
from portal.notifications import email_enqueue
from resiliation import conf
from resiliation.models import SignatureRequest, SignatureStatus, TerminationLetter

DOCUMENT_SALT = "resiliation.public-document"
DOCUMENT_LINK_DAYS = 90


KEY_PREFIX = "resiliation:"


def public_document_url(*, letter: TerminationLetter, document: StoredDocument) -> str:
    return _document_url(letter_id=letter.pk, document_id=document.pk)


def _document_url(*, letter_id: int, document_id: int) -> str:
    token = signing.dumps([letter_id, document_id], salt=DOCUMENT_SALT)
    return conf.base_url() + reverse("resiliation:public_document", args=[token])


# The document each e-mail's key links to (``resiliation:<letter>:<what>``).
KEY_DOCUMENTS = {"copy": "sent_document_id", "old-manager": "sent_document_id", "deposit": "deposit_notice_id",
                 "acknowledgement": "acknowledgement_id"}


def secret_link(key: str) -> str | None:
    """The secret link of the e-mail of ``key``, made as it is sent; None when it has no longer
    any use (a signature that ended, a document gone)."""
    parts = key.split(":")
    if len(parts) == 4 and parts[1] == "signature" and parts[2].isdigit():  # resiliation:signature:<id>:link
        request = SignatureRequest.objects.filter(
            pk=int(parts[2]), status__in=[SignatureStatus.PENDING, SignatureStatus.OPENED]).first()
        return request.signing_url if request is not None and request.signing_url else None
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in KEY_DOCUMENTS:
        return None
    document_id = TerminationLetter.objects.filter(pk=int(parts[1])).values_list(
        KEY_DOCUMENTS[parts[2]], flat=True).first()
    return _document_url(letter_id=int(parts[1]), document_id=document_id) if document_id else None


def public_document_ids(token: str) -> tuple[int, int] | None:
    try:
        letter_id, document_id = signing.loads(token, salt=DOCUMENT_SALT, max_age=DOCUMENT_LINK_DAYS * 86400)
        return int(letter_id), int(document_id)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _signature(letter: TerminationLetter) -> str:
    return letter.organisation.signature_name


def _reference(letter: TerminationLetter) -> str:
    return f" (votre référence : {letter.own_reference})" if letter.own_reference else ""


def subscriber_letter_copy(*, letter: TerminationLetter) -> None:
    email_enqueue(
        key=f"resiliation:{letter.pk}:copy",
        to=letter.email,
        subject=f"Copie de votre lettre de résiliation n° {letter.pk}",
        text=(f"Bonjour {letter.subscriber_display},\n\n{_signature(letter)} a envoyé pour vous une lettre "
              f"recommandée électronique de résiliation à {letter.insurer.name}{_reference(letter)}.\n\n"
              f"Copie de la lettre : {LINK}\n\nVous recevrez l'avis de dépôt puis, le cas échéant, l'accusé de "
              f"réception.\n\n{_signature(letter)}"),
    )


def subscriber_proof(*, letter: TerminationLetter, kind: str) -> None:
    label = "l'avis de dépôt" if kind == "deposit" else "l'accusé de réception"
    email_enqueue(
        key=f"resiliation:{letter.pk}:{kind}",
        to=letter.email,
        subject=f"Votre lettre de résiliation n° {letter.pk} : {label}",
        text=(f"Bonjour {letter.subscriber_display},\n\nVoici {label} de votre lettre de résiliation adressée à "
              f"{letter.insurer.name}{_reference(letter)} : {LINK}\n\n{_signature(letter)}"),
    )


def subscriber_collected(*, letter: TerminationLetter) -> None:
    email_enqueue(
        key=f"resiliation:{letter.pk}:collected",
        to=letter.email,
        subject=f"Votre lettre de résiliation n° {letter.pk} a été relevée",
        text=(f"Bonjour {letter.subscriber_display},\n\n{letter.insurer.name} a relevé votre lettre de "
              f"résiliation{_reference(letter)}.\n\n{_signature(letter)}"),
    )


def old_manager_copy(*, letter: TerminationLetter) -> None:
    if not letter.old_manager_email or letter.sent_document_id is None:
        return
    email_enqueue(
        key=f"resiliation:{letter.pk}:old-manager",
        to=letter.old_manager_email,
        subject=f"Résiliation du contrat de {letter.subscriber_name} chez {letter.insurer.name}",
        text=(f"Bonjour,\n\nPour information, {letter.insurer.name} a réceptionné la lettre de résiliation "
              f"des contrats de {letter.subscriber_display} que vous gérez. Copie du courrier : {LINK}\n\n"
              f"{_signature(letter)}"),
    )


def signature_link(*, request: SignatureRequest) -> None:
    letter = request.letter
    email_enqueue(
        key=f"resiliation:signature:{request.pk}:link",
        to=request.email,
        subject="Signature électronique de votre mandat de résiliation",
        text=(f"Bonjour {letter.subscriber_display},\n\n{_signature(letter)} vous invite à signer "
              f"électroniquement le mandat de résiliation de vos contrats chez {letter.insurer.name}.\n\n"
              f"Lien de signature : {LINK}\n\nLa signature doit être réalisée avant le "
              f"{request.expires_at:%d/%m/%Y} à 20h00.\n\n{_signature(letter)}"),
    )


def user_signature_expired(*, letter: TerminationLetter) -> None:
    email_enqueue(
        key=f"resiliation:{letter.pk}:signature-expired",
        to=letter.managed_by.email,
        subject=f"Lettre de résiliation n° {letter.pk} non envoyée : mandat non signé",
        text=(f"Bonjour,\n\nLe mandat de la lettre de résiliation n° {letter.pk} ({letter.subscriber_display}, "
              f"{letter.insurer.name}) n'a pas été signé avant le {letter.send_date:%d/%m/%Y} à 20h00. "
              "La procédure est interrompue : la lettre n'a pas été envoyée et vous avez été remboursé.\n"),
    )


def user_signature_refused(*, letter: TerminationLetter) -> None:
    email_enqueue(
        key=f"resiliation:{letter.pk}:signature-refused",
        to=letter.managed_by.email,
        subject=f"Lettre de résiliation n° {letter.pk} non envoyée : signature refusée",
        text=(f"Bonjour,\n\n{letter.subscriber_display} a refusé de signer le mandat de la lettre de résiliation "
              f"n° {letter.pk}. La lettre n'a pas été envoyée et vous avez été remboursé.\n"),
    )


def letter_url(letter: TerminationLetter) -> str:
    return conf.base_url() + reverse("resiliation:letter", args=[letter.pk])


def user_letter_held(*, letter: TerminationLetter) -> None:
    """« Envoi suspendu »: the user learns why and chooses a new date (one e-mail per hold)."""
    email_enqueue(
        key=f"resiliation:{letter.pk}:held:{letter.held_at:%Y%m%dT%H%M%S}",
        to=letter.managed_by.email,
        subject=f"Lettre de résiliation n° {letter.pk} non envoyée : nouvelle date à choisir",
        text=(f"Bonjour,\n\nLa lettre de résiliation n° {letter.pk} ({letter.subscriber_display}, "
              f"{letter.insurer.name}){_reference(letter)} n'a pas été envoyée.\n\n{letter.held_reason}\n\n"
              f"Choisissez une nouvelle date d'envoi sur la page de la lettre : {letter_url(letter)}\n"),
    )
