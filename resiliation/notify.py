"""E-mails of the résiliation app, through the portal's outbox (each key sent once).

The souscripteur has no login: documents reach them through signed, expiring links
(``resiliation:public_document``)."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from portal.models import StoredDocument
from portal.notifications import email_enqueue
from resiliation import conf
from resiliation.models import SignatureRequest, TerminationLetter

DOCUMENT_SALT = "resiliation.public-document"
DOCUMENT_LINK_DAYS = 90


def public_document_url(*, letter: TerminationLetter, document: StoredDocument) -> str:
    token = signing.dumps([letter.pk, document.pk], salt=DOCUMENT_SALT)
    return conf.base_url() + reverse("resiliation:public_document", args=[token])


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
    url = public_document_url(letter=letter, document=letter.sent_document)
    email_enqueue(
        key=f"resiliation:{letter.pk}:copy",
        to=letter.email,
        subject=f"Copie de votre lettre de résiliation n° {letter.pk}",
        text=(f"Bonjour {letter.subscriber_display},\n\n{_signature(letter)} a envoyé pour vous une lettre "
              f"recommandée électronique de résiliation à {letter.insurer.name}{_reference(letter)}.\n\n"
              f"Copie de la lettre : {url}\n\nVous recevrez l'avis de dépôt puis, le cas échéant, l'accusé de "
              f"réception.\n\n{_signature(letter)}"),
    )


def subscriber_proof(*, letter: TerminationLetter, document: StoredDocument, kind: str) -> None:
    label = "l'avis de dépôt" if kind == "deposit" else "l'accusé de réception"
    url = public_document_url(letter=letter, document=document)
    email_enqueue(
        key=f"resiliation:{letter.pk}:{kind}",
        to=letter.email,
        subject=f"Votre lettre de résiliation n° {letter.pk} : {label}",
        text=(f"Bonjour {letter.subscriber_display},\n\nVoici {label} de votre lettre de résiliation adressée à "
              f"{letter.insurer.name}{_reference(letter)} : {url}\n\n{_signature(letter)}"),
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
    url = public_document_url(letter=letter, document=letter.sent_document)
    email_enqueue(
        key=f"resiliation:{letter.pk}:old-manager",
        to=letter.old_manager_email,
        subject=f"Résiliation du contrat de {letter.subscriber_name} chez {letter.insurer.name}",
        text=(f"Bonjour,\n\nPour information, {letter.insurer.name} a réceptionné la lettre de résiliation "
              f"des contrats de {letter.subscriber_display} que vous gérez. Copie du courrier : {url}\n\n"
              f"{_signature(letter)}"),
    )


def signature_link(*, request: SignatureRequest, url: str) -> None:
    letter = request.letter
    email_enqueue(
        key=f"resiliation:signature:{request.pk}:link",
        to=request.email,
        subject="Signature électronique de votre mandat de résiliation",
        text=(f"Bonjour {letter.subscriber_display},\n\n{_signature(letter)} vous invite à signer "
              f"électroniquement le mandat de résiliation de vos contrats chez {letter.insurer.name}.\n\n"
              f"Lien de signature : {url}\n\nLa signature doit être réalisée avant le "
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
