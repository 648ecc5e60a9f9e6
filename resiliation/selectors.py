"""Reads of the résiliation app, already scoped to what the user may see.

Who sees which letter: an organisation administrator sees every letter of the organisation;
a collaborator with the résiliation area sees the letters they manage (« Géré par ») — the
souscripteurs of termination letters are new clients, not delegated sociétaires, so the
seed's « Géré par » is the natural scope. Nobody sees another organisation's letters.

Also the reads of sending: what is missing before « Finaliser l'envoi », the plan (dates,
products, warnings) and prices the form shows, why a due letter is held, which letters are
due, the e-signature deadline, the identity check of a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from portal.clock import at_local_time
from portal.errors import ApplicationError
from portal.models import Area, Membership, Organisation, Role, User
from portal.providers import SANDBOX, sandboxes_allowed
from portal.selectors import user_areas
from portal.sorting import SortKey
from resiliation import charges, rules
from resiliation.models import (
    PLANNED_STATUSES,
    SENT_STATUSES,
    IdentityStatus,
    IdentityVerification,
    Insurer,
    LetterContract,
    LetterStatus,
    MandateChoice,
    OriasCertificate,
    SenderMode,
    TerminationLetter,
)
from resiliation.rules import dates

FOLDERS = {
    "all": ("Tous les courriers", None),
    "drafts": ("Courriers à terminer", [LetterStatus.DRAFT]),
    "scheduled": ("Courriers programmés", list(PLANNED_STATUSES)),
    "sent": ("Courriers envoyés", list(SENT_STATUSES)),
    "trash": ("Corbeille", None),
}


def letters_visible_to(*, user: User) -> QuerySet[TerminationLetter]:
    if not user.is_authenticated or Area.RESILIATION not in user_areas(user=user):
        return TerminationLetter.objects.none()
    letters = TerminationLetter.objects.filter(organisation_id=user.organisation_id)
    if user.role != Role.ADMINISTRATOR:
        letters = letters.filter(managed_by=user)
    return letters


def letter_rows_for(*, user: User, folder: str = "all", number: int | None = None, subscriber: str = "",
                    contract: str = "", recipient: str = "", manager: int | None = None) -> QuerySet[TerminationLetter]:
    """The « Résiliations » list: a folder (pre-saved filter) and the column filters."""
    letters = letters_visible_to(user=user)
    letters = letters.filter(trashed_at__isnull=folder != "trash")
    statuses = FOLDERS.get(folder, FOLDERS["all"])[1]
    if statuses:
        letters = letters.filter(status__in=statuses)
    if number:
        letters = letters.filter(pk=number)
    if subscriber.strip():
        term = subscriber.strip()
        letters = letters.filter(Q(last_name__icontains=term) | Q(first_name__icontains=term)
                                 | Q(company_name__icontains=term) | Q(city__icontains=term))
    if contract.strip():
        letters = letters.filter(contracts__reference__icontains=contract.strip()).distinct()
    if recipient.strip():
        letters = letters.filter(insurer__name__icontains=recipient.strip())
    if manager:
        letters = letters.filter(managed_by_id=manager)
    return letters.select_related("insurer", "managed_by").prefetch_related(
        Prefetch("contracts", queryset=LetterContract.objects.order_by("id"))).order_by("-id")


def insurers_matching(*, term: str, limit: int = 15) -> QuerySet[Insurer]:
    term = (term or "").strip()
    if len(term) < 2:
        return Insurer.objects.none()
    return Insurer.objects.filter(is_active=True, name__icontains=term).order_by(SortKey("name"), "name")[:limit]


def managers_for(*, user: User) -> QuerySet[User]:
    """Users of the organisation who may manage letters (for « Géré par »)."""
    memberships = Membership.objects.filter(organisation_id=user.organisation_id, is_active=True).filter(
        Q(role=Role.ADMINISTRATOR) | Q(delegation_profiles__area_resiliation=True,
                                       delegation_profiles__organisation_id=user.organisation_id))
    return User.objects.filter(is_active=True, memberships__in=memberships).distinct().order_by(SortKey("last_name"), "last_name", "email")


# ------------------------------------------------------------------------ sending (reads)


ESIGN_CHOICES = (MandateChoice.ESIGN, MandateChoice.ESIGN_OWN)




def orias_certificate_valid(*, organisation_id: int, on: date) -> OriasCertificate | None:
    """The certificate that lets the organisation send in its own name on ``on``: valid that day,
    of an organisation whose ORIAS number is on file (one that signed up « sans ORIAS » has none)."""
    return OriasCertificate.objects.filter(organisation_id=organisation_id, organisation__orias__isnull=False,
                                           valid_until__gte=on).first()


NO_ORIAS_NUMBER = ("Votre compte n'a pas de numéro ORIAS : l'envoi au nom de l'agence demande votre numéro ORIAS "
                   "(à faire enregistrer par une demande d'aide) et votre attestation en cours de validité.")


def has_orias_number(*, organisation_id: int) -> bool:
    return Organisation.objects.filter(pk=organisation_id, orias__isnull=False).exists()


def orias_refusal(*, letter: TerminationLetter, on: date, today: date) -> str | None:
    """Why the letter may not leave on ``on`` for want of an ORIAS certificate valid that day (an
    agency sending, seed 001 §5.7a), or None. The one check of confirmation, date change and
    dispatch."""
    if letter.sender_mode != SenderMode.AGENCY:
        return None
    if orias_certificate_valid(organisation_id=letter.organisation_id, on=on) is not None:
        return None
    if not has_orias_number(organisation_id=letter.organisation_id):
        return NO_ORIAS_NUMBER
    tense = "ne sera plus" if on > today else "n'est plus"
    return (f"Votre attestation ORIAS {tense} valable le {on:%d/%m/%Y} : l'envoi au nom de l'agence demande une "
            "attestation en cours de validité le jour de l'envoi.")


def letter_contract_pairs(letter: TerminationLetter) -> list[tuple[str, str]]:
    return list(letter.contracts.values_list("contract_type", "reason"))


def letter_date_mode(letter: TerminationLetter) -> rules.DateMode | None:
    return rules.letter_mode([reason for _, reason in letter_contract_pairs(letter)])


def sending_blockers(letter: TerminationLetter, *, today: date) -> list[str]:
    """What is left to do before « Finaliser l'envoi » (empty: ready)."""
    blockers = []
    if not letter.contracts.exists():
        blockers.append("Ajouter un contrat à la lettre.")
    if letter.insurer_id is None:
        blockers.append("Choisir l'ancien assureur.")
    if letter.sender_mode == SenderMode.PLATFORM:
        refusal = rules.platform_refusal(letter_contract_pairs(letter))
        if refusal:
            blockers.append(refusal)
        return blockers
    if orias_certificate_valid(organisation_id=letter.organisation_id, on=today) is None:
        blockers.append("Déposer une attestation ORIAS en cours de validité (envoi au nom de l'agence)."
                        if has_orias_number(organisation_id=letter.organisation_id) else
                        "Faire enregistrer votre numéro ORIAS (demande d'aide), puis déposer votre attestation ORIAS "
                        "(envoi au nom de l'agence).")
    if not letter.mandate_choice:
        blockers.append("Générer/Joindre le mandat, ou ne pas joindre le mandat.")
    elif letter.mandate_choice in (MandateChoice.SCAN, MandateChoice.OWN, MandateChoice.ESIGN_OWN) \
            and letter.mandate_document_id is None:
        blockers.append("Joindre le fichier du mandat.")
    return blockers


def uses_esignature(letter: TerminationLetter) -> bool:
    return letter.sender_mode == SenderMode.PLATFORM or letter.mandate_choice in ESIGN_CHOICES


def account_identified(*, organisation_id: int) -> bool:
    return IdentityVerification.objects.filter(organisation_id=organisation_id,
                                               status=IdentityStatus.VERIFIED).exists()


@dataclass(frozen=True)
class SendingPlan:
    send: date
    start: date | None
    products: list[str]
    warnings: list[str]
    effects: list[tuple[str, date | None]]


def sending_plan(*, letter: TerminationLetter, with_acknowledgement: bool, start: date | None,
                 send: date | None, now: datetime) -> SendingPlan:
    """The dates and prices the « Finaliser l'envoi » form shows; ApplicationError if impossible."""
    contracts = list(letter.contracts.all())
    if not contracts:
        raise ApplicationError("Ajoutez un contrat à la lettre.")
    mode = rules.letter_mode([c.reason for c in contracts])
    if letter.sender_mode == SenderMode.PLATFORM and not with_acknowledgement:
        raise ApplicationError("Au nom de la plateforme, l'envoi se fait uniquement avec accusé de réception.",
                               field="with_acknowledgement")
    if mode == rules.DateMode.NEW_CONTRACT_START:
        plan = dates.hamon_plan(start=start, now=now)
        if plan.error:
            raise ApplicationError(plan.error, field="new_contract_start")
        send, start = plan.send, plan.start
    else:
        start = None
        if send is None:
            raise ApplicationError("Choisissez la date d'envoi.", field="send_date")
        error = dates.send_date_error(send, now)
        if error:
            raise ApplicationError(error, field="send_date")
        if send > now.date() + timedelta(days=365):
            raise ApplicationError("La date d'envoi ne peut pas dépasser un an.", field="send_date")
    refusal = orias_refusal(letter=letter, on=send, today=now.date())
    if refusal:
        raise ApplicationError(refusal, field="new_contract_start" if start else "send_date")
    warnings, effects = [], []
    for contract in contracts:
        legal = contract.legal_dates
        warnings += dates.contract_warnings(legal, send)
        effects.append((legal.label, dates.contract_effect_date(legal, send)))
    products = rules.billing_products(sender_mode=letter.sender_mode, with_acknowledgement=with_acknowledgement,
                                      esignature=uses_esignature(letter))
    return SendingPlan(send=send, start=start, products=products, warnings=warnings, effects=effects)


def sending_prices(*, letter: TerminationLetter, on: date) -> dict[str, Decimal | None]:
    """The price of the letter with and without acknowledgement on ``on`` (billing's price list;
    None where a product has no price in force: the form then shows no price)."""
    esignature = uses_esignature(letter)
    options = {
        "with_acknowledgement": rules.billing_products(sender_mode=letter.sender_mode, with_acknowledgement=True,
                                                       esignature=esignature),
        "without_acknowledgement": rules.billing_products(sender_mode=letter.sender_mode,
                                                          with_acknowledgement=False, esignature=esignature),
    }
    prices = charges.prices_on(products=sorted({p for products in options.values() for p in products}), on=on)
    return {option: sum((prices[p] for p in products), Decimal(0)) if all(p in prices for p in products) else None
            for option, products in options.items()}


def dispatch_hold_reason(letter: TerminationLetter, *, today: date) -> str | None:
    """Why a scheduled letter may not leave today (French), or None.

    A letter leaves dated the day it really leaves. When the sending job runs after the planned
    day (beat down, say) and that delay breaks a legal date the letter promises — the new
    contract's start (Loi Hamon / RIA), the two months before the due date… —, or when the ORIAS
    certificate is no longer valid, it is held: never sent backdated, nor with a broken promise."""
    reasons = []
    refusal = orias_refusal(letter=letter, on=today, today=today)
    if refusal:
        reasons.append(refusal)
    problems = dates.late_dispatch_problems(
        [c.legal_dates for c in letter.contracts.all()], planned=letter.send_date, actual=today,
        new_contract_start=letter.new_contract_start)
    if problems:
        reasons.append(f"La lettre devait partir le {letter.send_date:%d/%m/%Y} et n'a pas pu être envoyée ce "
                       f"jour-là. Envoyée le {today:%d/%m/%Y}, elle ne tiendrait plus ses dates : "
                       + " ; ".join(problems) + ".")
    if not reasons:
        return None
    return " ".join(reasons) + " Elle n'est pas envoyée : choisissez une nouvelle date (ou annulez l'envoi, remboursé)."


def letters_dispatch_due(*, now: datetime) -> list[int]:
    """Letters due today or before and not yet handed over (also those a dead worker left)."""
    stale = now - timedelta(minutes=15)
    due = TerminationLetter.objects.filter(
        Q(status=LetterStatus.SCHEDULED) | Q(status=LetterStatus.IN_TRANSIT, provider_reference="",
                                              updated_at__lt=stale),
        send_date__lte=now.date(),
    )
    return list(due.values_list("pk", flat=True))


def signature_expiry(letter: TerminationLetter) -> datetime:
    day, moment = dates.signature_deadline(letter.send_date)
    return at_local_time(day, moment)


# ------------------------------------------------------------------------------ identity


def identity_status(*, user: User) -> IdentityVerification | None:
    return IdentityVerification.objects.filter(user=user, status__in=["pending", "verified"]).first()


def identity_check_in_sandbox(check: IdentityVerification) -> bool:
    """Whether the portal itself plays the operator of this check (its page shows the code)."""
    return check.provider == SANDBOX and sandboxes_allowed()
