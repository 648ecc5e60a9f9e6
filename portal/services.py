"""Writes of the platform. Keyword-only, typed, atomic; bad input raises ApplicationError.

Imports of premium calls (émissions) and payments follow validate-then-do: every row is
checked first and all errors are reported together (per row, in French); only a fully valid
batch is written, set-based, in one transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string

from portal import notifications
from portal.errors import ApplicationError
from portal.models import (
    Contact,
    DelegationProfile,
    Member,
    Organisation,
    OutboxMessage,
    Payment,
    PersonalLink,
    Policy,
    PremiumCall,
    Role,
    User,
)


def chunked(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class RowErrors:
    """Collects per-row, per-field French messages of an import."""

    def __init__(self) -> None:
        self._errors: dict[int, dict[str, list[str]]] = {}

    def add(self, row: int, field: str, message: str) -> None:
        self._errors.setdefault(row, {}).setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self._errors)

    def raise_if_any(self, what: str) -> None:
        if self._errors:
            rows = [{"row": row, **fields} for row, fields in sorted(self._errors.items())]
            count = len(rows)
            raise ApplicationError(
                f"{what} : {count} ligne{'s' if count > 1 else ''} en erreur, rien n'a été enregistré.",
                code="invalid_rows",
                errors=rows,
            )


# ---------------------------------------------------------------------------- émissions


@dataclass(frozen=True)
class EmissionRow:
    reference: str
    policy_number: str
    member_number: str
    company_name: str
    broker_orias: str | None
    broker_manages: bool
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def check_emission_rows(*, rows: Sequence[EmissionRow]) -> tuple[RowErrors, dict[str, int]]:
    """Business checks of an émission batch against itself and the database."""
    if not rows:
        raise ApplicationError("La liste des émissions est vide.", field="non_field_errors")
    errors = RowErrors()

    for index, count in _duplicates(row.reference for row in rows):
        errors.add(index, "reference", f"La référence {rows[index].reference} apparaît {count} fois dans l'envoi.")

    policy_shape: dict[str, tuple] = {}
    for index, row in enumerate(rows):
        if row.amount <= 0:
            errors.add(index, "amount", "Le montant doit être positif.")
        if row.broker_manages and not row.broker_orias:
            errors.add(index, "broker_manages", "Un courtier gestionnaire doit avoir un numéro ORIAS.")
        shape = (row.member_number, row.broker_orias, row.broker_manages)
        known = policy_shape.setdefault(row.policy_number, shape)
        if known != shape:
            errors.add(
                index,
                "policy_number",
                f"La police {row.policy_number} apparaît avec des sociétaires ou courtiers différents.",
            )

    orias_numbers = {row.broker_orias for row in rows if row.broker_orias}
    brokers = dict(Organisation.objects.filter(orias__in=orias_numbers).values_list("orias", "id"))
    for index, row in enumerate(rows):
        if row.broker_orias and row.broker_orias not in brokers:
            errors.add(index, "broker_orias", f"Aucun cabinet n'a le numéro ORIAS {row.broker_orias}.")

    existing_policies = dict(
        Policy.objects.filter(number__in=policy_shape).values_list("number", "member__member_number")
    )
    for index, row in enumerate(rows):
        owner = existing_policies.get(row.policy_number)
        if owner is not None and owner != row.member_number:
            errors.add(
                index,
                "member_number",
                f"La police {row.policy_number} appartient au sociétaire {owner}, pas à {row.member_number}.",
            )

    existing_calls = dict(
        PremiumCall.objects.filter(reference__in=[row.reference for row in rows]).values_list(
            "reference", "policy__number"
        )
    )
    for index, row in enumerate(rows):
        policy = existing_calls.get(row.reference)
        if policy is not None and policy != row.policy_number:
            errors.add(
                index,
                "reference",
                f"L'émission {row.reference} concerne déjà la police {policy}.",
            )
    return errors, brokers


def emissions_import(*, rows: Sequence[EmissionRow]) -> ImportResult:
    """Upsert members, policies and premium calls by their numbers: all rows or none."""
    errors, brokers = check_emission_rows(rows=rows)
    errors.raise_if_any("Import des émissions")

    with transaction.atomic():
        members = {row.member_number: row.company_name for row in rows}
        Member.objects.bulk_create(
            [Member(member_number=number, company_name=name) for number, name in members.items()],
            update_conflicts=True,
            unique_fields=["member_number"],
            update_fields=["company_name", "updated_at"],
            batch_size=1000,
        )
        member_ids = _ids_by(Member, "member_number", members)

        policies = {row.policy_number: row for row in rows}
        Policy.objects.bulk_create(
            [
                Policy(
                    number=number,
                    member_id=member_ids[row.member_number],
                    broker_id=brokers.get(row.broker_orias) if row.broker_orias else None,
                    broker_manages=row.broker_manages,
                )
                for number, row in policies.items()
            ],
            update_conflicts=True,
            unique_fields=["number"],
            update_fields=["broker", "broker_manages", "updated_at"],
            batch_size=1000,
        )
        policy_ids = _ids_by(Policy, "number", policies)

        references = [row.reference for row in rows]
        existing = set(
            PremiumCall.objects.filter(reference__in=references).values_list("reference", flat=True)
        )
        PremiumCall.objects.bulk_create(
            [
                PremiumCall(
                    reference=row.reference,
                    policy_id=policy_ids[row.policy_number],
                    due_date=row.due_date,
                    amount=row.amount,
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["reference"],
            update_fields=["due_date", "amount", "updated_at"],
            batch_size=1000,
        )
    return ImportResult(created=len(rows) - len(existing), updated=len(existing))


def _ids_by(model, field: str, keys: Iterable[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunked(keys, 5000):
        ids.update(model.objects.filter(**{f"{field}__in": chunk}).values_list(field, "id"))
    return ids


def _duplicates(values: Iterable[str]) -> Iterator[tuple[int, int]]:
    values = list(values)
    counts = Counter(values)
    for index, value in enumerate(values):
        if counts[value] > 1:
            yield index, counts[value]


# ----------------------------------------------------------------------------- payments


@dataclass(frozen=True)
class PaymentRow:
    emission_reference: str
    amount: Decimal
    paid_on: date
    reference: str = ""


@dataclass(frozen=True)
class PaymentImportResult:
    recorded: int
    already_recorded: int


def check_payment_rows(*, rows: Sequence[PaymentRow], today: date) -> tuple[RowErrors, dict[str, int]]:
    if not rows:
        raise ApplicationError("La liste des paiements est vide.", field="non_field_errors")
    errors = RowErrors()
    calls = dict(
        PremiumCall.objects.filter(reference__in={row.emission_reference for row in rows}).values_list(
            "reference", "id"
        )
    )
    recorded = {
        payment["reference"]: payment
        for payment in Payment.objects.filter(reference__in={row.reference for row in rows if row.reference}).values(
            "reference", "premium_call__reference", "amount", "paid_on"
        )
    }
    references = Counter(row.reference for row in rows if row.reference)
    for index, row in enumerate(rows):
        if row.emission_reference not in calls:
            errors.add(index, "emission_reference", f"Aucune émission n'a la référence {row.emission_reference}.")
        if row.amount <= 0:
            errors.add(index, "amount", "Le montant doit être positif.")
        if row.paid_on > today:
            errors.add(index, "paid_on", f"La date de paiement {row.paid_on:%d/%m/%Y} est dans le futur.")
        if row.reference and references[row.reference] > 1:
            errors.add(
                index, "reference", f"Le paiement {row.reference} apparaît {references[row.reference]} fois dans l'envoi."
            )
        known = recorded.get(row.reference)
        if known and (known["premium_call__reference"], known["amount"], known["paid_on"]) != (
            row.emission_reference,
            row.amount,
            row.paid_on,
        ):
            errors.add(
                index,
                "reference",
                f"Le paiement {row.reference} est déjà enregistré avec une autre émission, un autre montant "
                "ou une autre date.",
            )
    return errors, calls


def payments_import(*, rows: Sequence[PaymentRow], today: date) -> PaymentImportResult:
    """Record payments (a replayed payment reference is recorded once) and update the
    amounts paid of their premium calls, set-based."""
    errors, calls = check_payment_rows(rows=rows, today=today)
    errors.raise_if_any("Import des paiements")

    with transaction.atomic():
        known = set(
            Payment.objects.filter(reference__in=[row.reference for row in rows if row.reference]).values_list(
                "reference", flat=True
            )
        )
        new = [row for row in rows if not row.reference or row.reference not in known]
        Payment.objects.bulk_create(
            [
                Payment(
                    premium_call_id=calls[row.emission_reference],
                    amount=row.amount,
                    paid_on=row.paid_on,
                    reference=row.reference,
                )
                for row in new
            ],
            batch_size=1000,
        )
        premium_calls_refresh_paid(premium_call_ids={calls[row.emission_reference] for row in new})
    return PaymentImportResult(recorded=len(new), already_recorded=len(rows) - len(new))


def premium_calls_refresh_paid(*, premium_call_ids: Iterable[int]) -> None:
    total = (
        Payment.objects.filter(premium_call=OuterRef("pk"))
        .order_by()
        .values("premium_call")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    for chunk in chunked(premium_call_ids, 5000):
        PremiumCall.objects.filter(id__in=chunk).update(
            paid_amount=Coalesce(Subquery(total, output_field=money), Value(Decimal("0.00")), output_field=money)
        )


# -------------------------------------------------------------------- people and rights


def organisation_create(*, orias: str, name: str, trade_name: str = "", **fields) -> Organisation:
    organisation = Organisation(orias=orias, name=name, trade_name=trade_name, **fields)
    organisation.full_clean()
    organisation.save()
    return organisation


def user_create(
    *,
    email: str,
    password: str | None,
    role: Role,
    organisation: Organisation | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    if role in (Role.ADMINISTRATOR, Role.COLLABORATOR) and organisation is None:
        raise ApplicationError("Un courtier ou un collaborateur appartient à un cabinet.", field="organisation")
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError("Un compte existe déjà avec cette adresse e-mail.", field="email")
    user = User.objects.create_user(
        email,
        password,
        role=role,
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ACCOUNTING,
    )
    if role == Role.ACCOUNTING:
        user.groups.add(accounting_group_sync())
    return user


def user_password_reset_request(*, user: User) -> OutboxMessage:
    """Write the password-reset e-mail of ``user`` to the outbox. Its link is made when the
    e-mail is sent (``notifications.outbox_send``): neither the stored body nor the key hold it."""
    context = {
        "email": user.email,
        "user": user,
        "site_name": settings.PORTAL_INSURER_NAME,
        "personal_link": notifications.PERSONAL_LINK_PLACEHOLDER,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    return notifications.email_enqueue(
        key=f"password-reset:{user.pk}:{uuid.uuid4().hex}",  # each request its own e-mail
        to=user.email,
        subject=subject,
        text=render_to_string("registration/password_reset_email.html", context),
        personal_link=PersonalLink.PASSWORD_RESET,
        personal_link_user=user,
    )


def delegation_profile_create(
    *,
    organisation: Organisation,
    name: str,
    areas: Iterable[str],
    members: Iterable[Member] = (),
    collaborators: Iterable[User] = (),
) -> DelegationProfile:
    areas = set(areas)
    for user in collaborators:
        if user.organisation_id != organisation.id or user.role != Role.COLLABORATOR:
            raise ApplicationError("Seuls les collaborateurs du cabinet peuvent recevoir une délégation.")
    member_list = list(members)
    foreign = [m for m in member_list if not m.policies.filter(broker=organisation).exists()]
    if foreign:
        raise ApplicationError(
            f"Le sociétaire {foreign[0].member_number} n'est pas un client du cabinet.", field="members"
        )
    with transaction.atomic():
        profile = DelegationProfile.objects.create(
            organisation=organisation,
            name=name,
            **{f"area_{area}": True for area in areas},
        )
        profile.members.set(member_list)
        profile.collaborators.set(list(collaborators))
    return profile


def contact_add(
    *,
    email: str,
    member: Member | None = None,
    organisation: Organisation | None = None,
    name: str = "",
    is_accounting: bool = False,
) -> Contact:
    if (member is None) == (organisation is None):
        raise ApplicationError("Un interlocuteur appartient à un sociétaire ou à un cabinet.")
    contact, _ = Contact.objects.update_or_create(
        member=member,
        organisation=organisation,
        email=email.lower(),
        defaults={"name": name, "is_accounting": is_accounting},
    )
    return contact


ACCOUNTING_GROUP = "Comptabilité"
# The back office's apps: accounting clerks see every row of their models. Nothing outside them
# (no API token, group, permission, schedule…) and no delete anywhere.
ACCOUNTING_APPS = ("portal", "amiable", "billing", "resiliation", "courrier")
# What clerks add or change; every other model of those apps is read-only to them, a new one
# included until it is listed here. The admin classes narrow it further (which user accounts
# and which of their fields: ``portal.admin.UserAdmin``; prices not yet in effect…). Only
# superusers add user accounts or touch staff accounts, passwords, roles and rights.
ACCOUNTING_EDITS = {
    "portal.organisation": ("add", "change"),
    "portal.member": ("add", "change"),
    "portal.contact": ("add", "change"),
    "portal.policy": ("add", "change"),
    "portal.delegationprofile": ("add", "change"),
    "portal.user": ("change",),  # brokers' accounts: name, phone, active
    "amiable.case": ("change",),  # manual follow-up
    "amiable.extensionrequest": ("change",),  # decisions
    "billing.price": ("add", "change"),
    "billing.account": ("change",),  # overdraft limit, adjustments
    "resiliation.insurer": ("add", "change"),  # the insurers' directory
    "resiliation.insurerrequest": ("change",),
    "resiliation.oriascertificate": ("change",),
}


def accounting_permissions():
    """The permissions of the accounting group (a QuerySet of ``auth.Permission``)."""
    from django.contrib.auth.models import Permission

    edits = Q()
    for label, actions in ACCOUNTING_EDITS.items():
        app_label, model = label.split(".")
        edits |= Q(content_type__app_label=app_label, content_type__model=model,
                   codename__in=[f"{action}_{model}" for action in actions])
    return Permission.objects.filter(Q(codename__startswith="view_") | edits,
                                     content_type__app_label__in=ACCOUNTING_APPS)


def accounting_group_sync():
    """Give the accounting group exactly ``accounting_permissions()``: grants the permissions of
    new models and removes any other, e.g. those an earlier version granted. Run after every
    ``migrate`` (``portal.apps``), by ``seed_demo`` and when a clerk is created.

    What may not change once issued (letters, ledger, payments…) is protected by the admin
    classes and the services themselves, not by this group.
    """
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=ACCOUNTING_GROUP)
    group.permissions.set(accounting_permissions())
    return group
