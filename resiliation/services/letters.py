"""Writes of the letter builder: create a letter from the wizard, edit it while it is a draft,
trash/restore it, ask for a new insurer, file an ORIAS certificate.

Sending (mandates, confirmation, dispatch, cancellation) is in ``services.sending``; the
provider lifecycles in ``services.signatures``, ``services.tracking`` and ``services.identity``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.db import transaction

from portal import uploads
from portal.errors import ApplicationError
from portal.models import Area, Membership, Organisation, User
from portal.pdf import document_store
from portal.selectors import membership_areas, user_areas
from resiliation import rules
from resiliation.documents import ATTACHMENT_TYPES
from resiliation.models import (
    Insurer,
    InsurerRequest,
    InsurerRequestStatus,
    LetterAttachment,
    LetterContract,
    OriasCertificate,
    TerminationLetter,
)

MAX_CONTRACTS = 10
MAX_ATTACHMENTS = 5


@dataclass
class SubscriberData:
    civility: str
    last_name: str
    first_name: str
    address_line1: str
    postal_code: str
    city: str
    email: str
    address_line2: str = ""
    company_name: str = ""
    siret: str = ""
    mobile_phone: str = ""
    own_reference: str = ""
    co_civility: str = ""
    co_last_name: str = ""
    co_first_name: str = ""


@dataclass
class ContractData:
    contract_type: str
    reference: str
    reason: str
    custom_type: str = ""
    registration: str = ""
    insured_address: str = ""
    main_due_date: date | None = None
    new_insurer: str = ""
    new_reference: str = ""
    custom_reason: str = ""
    notice_date: date | None = None
    event_date: date | None = None
    extra: dict = field(default_factory=dict)


def check_subscriber(data: SubscriberData) -> SubscriberData:
    """Normalise and validate the souscripteur (ApplicationError on the first bad field)."""
    for name in ("last_name", "first_name", "address_line1", "postal_code", "city", "email"):
        setattr(data, name, (getattr(data, name) or "").strip())
        if not getattr(data, name):
            label = TerminationLetter._meta.get_field(name).verbose_name
            raise ApplicationError(f"Le champ « {label} » est obligatoire.", field=name)
    if data.civility not in ("M", "MME"):
        raise ApplicationError("Choisissez la civilité.", field="civility")
    if not re.fullmatch(r"\d{5}", data.postal_code):
        raise ApplicationError("Le code postal comporte 5 chiffres.", field="postal_code")
    data.siret = re.sub(r"\s", "", data.siret or "")
    if data.siret and not re.fullmatch(r"\d{14}", data.siret):
        raise ApplicationError("Le SIRET comporte 14 chiffres.", field="siret")
    if data.siret and not data.company_name.strip():
        raise ApplicationError("Indiquez le nom de la société du SIRET.", field="company_name")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", data.email):
        raise ApplicationError("Saisissez une adresse e-mail valide.", field="email")
    if bool(data.co_last_name.strip()) != bool(data.co_first_name.strip()):
        raise ApplicationError("Indiquez le nom et le prénom du co-souscripteur.", field="co_last_name")
    if data.co_last_name.strip() and data.co_civility not in ("M", "MME"):
        raise ApplicationError("Choisissez la civilité du co-souscripteur.", field="co_civility")
    if not data.co_last_name.strip():
        data.co_civility = ""
    data.city = data.city.upper() if data.city else data.city
    return data


def check_contract(data: ContractData, *, letter_reasons: list[str]) -> ContractData:
    if data.contract_type not in rules.CONTRACT_TYPES_BY_CODE:
        raise ApplicationError("Choisissez un type de contrat.", field="contract_type")
    if data.reason not in rules.REASONS_BY_CODE:
        raise ApplicationError("Choisissez le motif de résiliation.", field="reason")
    refusal = rules.contract_compatible(type_code=data.contract_type, reason_code=data.reason,
                                        letter_reason_codes=letter_reasons)
    if refusal:
        raise ApplicationError(refusal, field="reason")
    data.reference = (data.reference or "").strip()
    if not data.reference:
        raise ApplicationError("La référence du contrat est obligatoire.", field="reference")
    needs = rules.field_needs(data.contract_type, data.reason)
    if needs.custom_type and not data.custom_type.strip():
        raise ApplicationError("Précisez le type de contrat.", field="custom_type")
    if needs.new_insurer and not data.new_insurer.strip():
        raise ApplicationError("Le nouvel assureur ou organisme est obligatoire pour ce motif.", field="new_insurer")
    if needs.main_due_date and not data.main_due_date:
        raise ApplicationError("L'échéance principale est obligatoire pour ce motif.", field="main_due_date")
    if needs.event_date and not data.event_date:
        raise ApplicationError(f"{rules.event_date_label(data.reason)} est obligatoire pour ce motif.",
                               field="event_date")
    if needs.custom_reason and not data.custom_reason.strip():
        raise ApplicationError("Saisissez le motif de résiliation personnalisé.", field="custom_reason")
    # Fields that do not apply are dropped, so the letter never shows stale values.
    if not needs.registration:
        data.registration = ""
    if not needs.insured_address:
        data.insured_address = ""
    if not needs.custom_type:
        data.custom_type = ""
    if not needs.new_insurer:
        data.new_insurer = data.new_reference = ""
    if not needs.notice_date:
        data.notice_date = None
    if not needs.event_date:
        data.event_date = None
    if not needs.custom_reason:
        data.custom_reason = ""
    data.registration = data.registration.strip().upper()
    return data


def _contract_fields(data: ContractData) -> dict:
    values = asdict(data)
    values.pop("extra")
    return values


def check_editable(letter: TerminationLetter) -> None:
    if not letter.is_editable:
        raise ApplicationError("Cette lettre a été validée pour l'envoi : elle ne peut plus être modifiée.")


def check_insurer(insurer: Insurer | None) -> Insurer:
    if insurer is None or not insurer.is_active:
        raise ApplicationError("Choisissez l'ancien assureur dans la liste.", field="insurer")
    return insurer


def letter_create(*, by: User, subscriber: SubscriberData, insurer: Insurer, contract: ContractData) -> TerminationLetter:
    """The wizard's end: a draft letter with its first contract, managed by its creator."""
    if by.organisation_id is None or Area.RESILIATION not in user_areas(user=by):
        raise ApplicationError("Vous n'avez pas accès aux résiliations.")
    subscriber = check_subscriber(subscriber)
    check_insurer(insurer)
    contract = check_contract(contract, letter_reasons=[])
    with transaction.atomic():
        letter = TerminationLetter.objects.create(
            organisation_id=by.organisation_id, created_by=by, managed_by=by, insurer=insurer, **asdict(subscriber)
        )
        LetterContract.objects.create(letter=letter, **_contract_fields(contract))
    return letter


def letter_subscriber_update(*, letter: TerminationLetter, subscriber: SubscriberData) -> TerminationLetter:
    check_editable(letter)
    subscriber = check_subscriber(subscriber)
    with transaction.atomic():
        for name, value in asdict(subscriber).items():
            setattr(letter, name, value)
        letter.save()
    return letter


def letter_contract_add(*, letter: TerminationLetter, contract: ContractData) -> LetterContract:
    """Add a contract at the same insurer, compatible with the letter's reasons."""
    check_editable(letter)
    with transaction.atomic():
        locked = TerminationLetter.objects.select_for_update().get(pk=letter.pk)
        reasons = list(locked.contracts.values_list("reason", flat=True))
        if len(reasons) >= MAX_CONTRACTS:
            raise ApplicationError(f"Une lettre compte au plus {MAX_CONTRACTS} contrats.")
        contract = check_contract(contract, letter_reasons=reasons)
        return LetterContract.objects.create(letter=locked, **_contract_fields(contract))


def letter_contract_update(*, contract: LetterContract, data: ContractData) -> LetterContract:
    check_editable(contract.letter)
    others = list(contract.letter.contracts.exclude(pk=contract.pk).values_list("reason", flat=True))
    data = check_contract(data, letter_reasons=others)
    with transaction.atomic():
        for name, value in _contract_fields(data).items():
            setattr(contract, name, value)
        contract.save()
    return contract


def letter_contract_remove(*, contract: LetterContract) -> None:
    """« Supprimer de la lettre »: the letter may be left without contract until one is added."""
    check_editable(contract.letter)
    contract.delete()


def letter_free_text_set(*, letter: TerminationLetter, text: str) -> TerminationLetter:
    check_editable(letter)
    text = (text or "").strip()
    if len(text) > 3000:
        raise ApplicationError("Le texte ajouté est limité à 3 000 caractères.", field="free_text")
    letter.free_text = text
    letter.save(update_fields=["free_text", "updated_at"])
    return letter


def letter_old_manager_set(*, letter: TerminationLetter, email: str) -> TerminationLetter:
    """The old contract manager gets a copy once the insurer has received the letter (empty: nobody)."""
    if letter.old_manager_informed_at:
        raise ApplicationError("L'ancien gérant a déjà été informé.")
    email = (email or "").strip().lower()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ApplicationError("Saisissez une adresse e-mail valide.", field="email")
    letter.old_manager_email = email
    letter.save(update_fields=["old_manager_email", "updated_at"])
    return letter


def letter_attachment_add(*, letter: TerminationLetter, upload) -> LetterAttachment:
    check_editable(letter)
    if letter.attachments.count() >= MAX_ATTACHMENTS:
        raise ApplicationError(f"Une lettre compte au plus {MAX_ATTACHMENTS} pièces jointes.", field="file")
    checked = uploads.check_upload(upload, allowed=ATTACHMENT_TYPES, field="file")
    with transaction.atomic():
        document = document_store(content=checked.content, name=checked.name, content_type=checked.content_type)
        return LetterAttachment.objects.create(letter=letter, document=document)


def letter_attachment_remove(*, attachment: LetterAttachment) -> None:
    check_editable(attachment.letter)
    attachment.delete()


def letter_manager_set(*, letter: TerminationLetter, manager: User, by: User) -> TerminationLetter:
    """« Géré par »: an administrator hands a letter to a user of the organisation with the area."""
    if not by.is_org_admin:
        raise ApplicationError("Seul un administrateur du cabinet peut changer le gestionnaire.")
    membership = Membership.objects.filter(user=manager, organisation_id=letter.organisation_id,
                                           is_active=True).first()  # the manager's own access to this organisation
    if membership is None or not manager.is_active:
        raise ApplicationError("Choisissez un utilisateur du cabinet.", field="managed_by")
    if Area.RESILIATION not in membership_areas(membership=membership):
        raise ApplicationError("Cet utilisateur n'a pas accès aux résiliations.", field="managed_by")
    letter.managed_by = manager
    letter.save(update_fields=["managed_by", "updated_at"])
    return letter


def letter_trash(*, letter: TerminationLetter, now: datetime) -> TerminationLetter:
    """« Mettre à la corbeille »: hides the letter; it never cancels a sending."""
    if letter.trashed_at:
        raise ApplicationError("Ce courrier est déjà dans la corbeille.")
    letter.trashed_at = now
    letter.save(update_fields=["trashed_at", "updated_at"])
    return letter


def letter_restore(*, letter: TerminationLetter) -> TerminationLetter:
    if not letter.trashed_at:
        raise ApplicationError("Ce courrier n'est pas dans la corbeille.")
    letter.trashed_at = None
    letter.save(update_fields=["trashed_at", "updated_at"])
    return letter


def insurer_request_create(*, by: User, name: str, address: str = "", comment: str = "") -> InsurerRequest:
    """« Demander l'ajout d'une compagnie »: a request the insurer's staff handle in the admin."""
    name = (name or "").strip()
    if len(name) < 2:
        raise ApplicationError("Indiquez le nom de la compagnie.", field="name")
    if Insurer.objects.filter(name__iexact=name, is_active=True).exists():
        raise ApplicationError("Cette compagnie est déjà dans la liste.", field="name")
    return InsurerRequest.objects.create(organisation_id=by.organisation_id, requested_by=by, name=name[:120],
                                         address=address.strip(), comment=comment.strip())


def insurer_requests_done(*, request_ids: list[int]) -> int:
    """Staff's « Marquer comme traitées »: the company is in the directory now. Returns how many
    requests changed (one already done is left alone)."""
    return InsurerRequest.objects.filter(pk__in=request_ids).exclude(status=InsurerRequestStatus.DONE).update(
        status=InsurerRequestStatus.DONE)


def orias_certificate_add(*, organisation: Organisation, by: User, upload, valid_until: date | None,
                          today: date) -> OriasCertificate:
    """File the organisation's ORIAS certificate (PDF or image, checked on content)."""
    if not by.is_org_admin or by.organisation_id != organisation.id:
        raise ApplicationError("Seul un administrateur du cabinet peut déposer l'attestation ORIAS.")
    if not organisation.orias:
        raise ApplicationError("Votre compte n'a pas de numéro ORIAS : demandez son enregistrement à notre équipe "
                               "(demande d'aide) avant de déposer votre attestation.", field="file")
    if valid_until is None:
        raise ApplicationError("Indiquez la date de fin de validité de l'attestation.", field="valid_until")
    if valid_until < today:
        raise ApplicationError("Cette attestation n'est plus valable.", field="valid_until")
    from resiliation.documents import PDF_AND_IMAGES

    checked = uploads.check_upload(upload, allowed=PDF_AND_IMAGES, field="file")
    with transaction.atomic():
        document = document_store(content=checked.content, name=checked.name, content_type=checked.content_type)
        return OriasCertificate.objects.create(organisation=organisation, document=document,
                                               valid_until=valid_until, uploaded_by=by)

