"""Writes of the platform. Keyword-only, typed, atomic; bad input raises ApplicationError.

Imports of premium calls (émissions) and payments follow validate-then-do: every row is
checked first and all errors are reported together (per row, in French); only a fully valid
batch is written, set-based, in one transaction. The checks of every value (``check_text``,
``check_due_date``, ``check_paid_on``, ``check_amount``) live here, once, for every caller: the
API and the CSV commands only turn their input into typed rows.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from portal import clock, notifications
from portal.errors import ApplicationError
from portal.formatting import format_money
from portal.models import (
    Contact,
    DelegationDepartement,
    DelegationProfile,
    Member,
    Membership,
    Organisation,
    OutboxMessage,
    Payment,
    PersonalLink,
    Policy,
    PremiumCall,
    Product,
    Role,
    User,
    departement_validator,
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

    def add_all(self, row: int, field: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(row, field, message)

    def has(self, row: int, field: str) -> bool:
        return field in self._errors.get(row, {})

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


# ---------------------------------------------------------------------- plausible values
# One rule per kind of value, shared by both imports and every interface (SPEC §8).

EARLIEST_DATE = date(2000, 1, 1)  # no premium call or payment of the portfolio is older
DUE_DATE_HORIZON_YEARS = 2  # premium calls are issued at most two years ahead
AMOUNT_COLUMN = PremiumCall._meta.get_field("amount")  # max_digits 12, decimal_places 2, as Payment.amount
CENT = Decimal(1).scaleb(-AMOUNT_COLUMN.decimal_places)
AMOUNT_MAX = Decimal(10) ** (AMOUNT_COLUMN.max_digits - AMOUNT_COLUMN.decimal_places) - CENT  # 9 999 999 999,99
# Characters that break a line (str.splitlines), named apart from the other control characters.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Control, format (zero-width, bidirectional…), surrogate, private-use and unassigned characters.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _day(value: date) -> str:
    """dd/mm/yyyy, the year on four digits even before 1000 (``strftime`` would not pad it)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def check_text(value: object, *, max_length: int) -> list[str]:
    """A single line of text: a string, trimmed, not empty, without control or invisible
    characters, at most ``max_length`` characters. Returns the French problems (none: valid)."""
    if not isinstance(value, str):
        return ["Une chaîne de caractères est attendue."]
    if not value.strip():
        return ["Ce champ ne peut être vide."]
    problems = []
    if value != value.strip():
        problems.append("Le texte ne doit ni commencer ni finir par une espace.")
    if not value.isprintable():  # fast path: most values are plain text
        if any(char in LINE_BREAKS for char in value):
            problems.append("Le texte doit tenir sur une seule ligne (retour à la ligne interdit).")
        else:
            bad = next((char for char in value if unicodedata.category(char) in FORBIDDEN_CATEGORIES), None)
            if bad is not None:
                problems.append(f"Le texte contient un caractère de contrôle ou invisible interdit (U+{ord(bad):04X}).")
    if len(value) > max_length:
        problems.append(f"Au plus {max_length} caractères (reçu {len(value)}).")
    return problems


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def latest_due_date(*, today: date) -> date:
    """The latest plausible due date: the business date plus DUE_DATE_HORIZON_YEARS years."""
    year = today.year + DUE_DATE_HORIZON_YEARS
    return today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else today.replace(year=year)


def check_due_date(value: object, *, today: date) -> list[str]:
    """A due date between EARLIEST_DATE and ``latest_due_date(today)``."""
    if not _is_date(value):
        return ["Une date est attendue."]
    latest = latest_due_date(today=today)
    if not EARLIEST_DATE <= value <= latest:
        return [f"L'échéance {_day(value)} n'est pas plausible : elle doit être comprise entre le "
                f"{_day(EARLIEST_DATE)} et le {_day(latest)}."]
    return []


def check_paid_on(value: object, *, today: date) -> list[str]:
    """A payment date between EARLIEST_DATE and the business date (not in the future)."""
    if not _is_date(value):
        return ["Une date est attendue."]
    if value > today:
        return [f"La date de paiement {_day(value)} est dans le futur."]
    if value < EARLIEST_DATE:
        return [f"La date de paiement {_day(value)} n'est pas plausible : elle doit être postérieure au "
                f"{_day(EARLIEST_DATE)}."]
    return []


def check_amount(value: object) -> list[str]:
    """A positive amount in euros and cents that the money columns can hold."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return ["Un montant décimal est attendu."]
    value = Decimal(value)
    if not value.is_finite():
        return ["Un nombre valide est requis."]
    if value <= 0:
        return ["Le montant doit être positif."]
    if value > AMOUNT_MAX:
        return [f"Le montant ne peut pas dépasser {format_money(AMOUNT_MAX)}."]
    try:
        in_cents = value == value.quantize(CENT)
    except InvalidOperation:
        in_cents = False
    if not in_cents:
        return [f"Le montant a au plus {AMOUNT_COLUMN.decimal_places} chiffres après la virgule."]
    return []


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


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
    product: str | None = None  # a Product code; None leaves the policy's product as it is


EMISSION_TEXTS = {  # field of the row → its maximum length, read from the column it fills
    "reference": _max_length(PremiumCall, "reference"),
    "policy_number": _max_length(Policy, "number"),
    "member_number": _max_length(Member, "member_number"),
    "company_name": _max_length(Member, "company_name"),
}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def check_emission_rows(*, rows: Sequence[EmissionRow], today: date) -> tuple[RowErrors, dict[str, int]]:
    """Checks of an émission batch: each value, then the rows against each other and the database."""
    if not rows:
        raise ApplicationError("La liste des émissions est vide.", field="non_field_errors")
    errors = RowErrors()

    for index, row in enumerate(rows):
        for field, max_length in EMISSION_TEXTS.items():
            errors.add_all(index, field, check_text(getattr(row, field), max_length=max_length))
        if row.broker_orias is not None:
            errors.add_all(index, "broker_orias", check_text(row.broker_orias, max_length=_max_length(
                Organisation, "orias")))
        if not isinstance(row.broker_manages, bool):
            errors.add(index, "broker_manages", "Un booléen est attendu.")
        if row.product is not None:
            errors.add_all(index, "product", check_text(row.product, max_length=_max_length(Product, "code")))
        errors.add_all(index, "due_date", check_due_date(row.due_date, today=today))
        errors.add_all(index, "amount", check_amount(row.amount))
    # The checks across rows and with the database read the rows whose texts are sound.
    texts = (*EMISSION_TEXTS, "broker_orias", "broker_manages", "product")
    checked = [(index, row) for index, row in enumerate(rows) if not any(errors.has(index, f) for f in texts)]

    references = Counter(row.reference for _, row in checked)
    policy_shape: dict[str, tuple] = {}
    for index, row in checked:
        if references[row.reference] > 1:
            errors.add(index, "reference",
                       f"La référence {row.reference} apparaît {references[row.reference]} fois dans l'envoi.")
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
    policy_products: dict[str, str] = {}
    for index, row in checked:
        if row.product is None:
            continue
        known_product = policy_products.setdefault(row.policy_number, row.product)
        if known_product != row.product:
            errors.add(index, "product", f"La police {row.policy_number} apparaît avec des produits différents.")
    codes = {row.product for _, row in checked if row.product is not None}
    known_codes = set(Product.objects.filter(code__in=codes).values_list("code", flat=True))
    for index, row in checked:
        if row.product is not None and row.product not in known_codes:
            errors.add(index, "product", f"Aucun produit n'a le code {row.product} : demandez sa création à "
                                         "L'Auxiliaire (administration, « Produits »).")
    orias_numbers = {row.broker_orias for _, row in checked if row.broker_orias}
    brokers = dict(Organisation.objects.filter(orias__in=orias_numbers).values_list("orias", "id"))
    for index, row in checked:
        if row.broker_orias and row.broker_orias not in brokers:
            errors.add(index, "broker_orias", f"Aucun cabinet n'a le numéro ORIAS {row.broker_orias}.")

    existing_policies = dict(
        Policy.objects.filter(number__in=policy_shape).values_list("number", "member__member_number")
    )
    for index, row in checked:
        owner = existing_policies.get(row.policy_number)
        if owner is not None and owner != row.member_number:
            errors.add(
                index,
                "member_number",
                f"La police {row.policy_number} appartient au sociétaire {owner}, pas à {row.member_number}.",
            )

    existing_calls = dict(
        PremiumCall.objects.filter(reference__in=list(references)).values_list("reference", "policy__number")
    )
    for index, row in checked:
        policy = existing_calls.get(row.reference)
        if policy is not None and policy != row.policy_number:
            errors.add(
                index,
                "reference",
                f"L'émission {row.reference} concerne déjà la police {policy}.",
            )
    return errors, brokers


def emissions_import(*, rows: Sequence[EmissionRow], today: date | None = None) -> ImportResult:
    """Upsert members, policies and premium calls by their numbers: all rows or none.

    ``today`` (the business date by default) bounds the plausible due dates."""
    errors, brokers = check_emission_rows(rows=rows, today=today or clock.business_today())
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
        products = {row.policy_number: row.product for row in rows if row.product is not None}
        if products:
            product_ids = dict(Product.objects.filter(code__in=set(products.values())).values_list("code", "id"))
            by_product: dict[int, list[int]] = {}
            for number, code in products.items():
                by_product.setdefault(product_ids[code], []).append(policy_ids[number])
            for product_id, ids in by_product.items():  # one UPDATE per product of the batch
                for chunk in chunked(ids, 5000):
                    Policy.objects.filter(id__in=chunk).update(product_id=product_id)

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


# ----------------------------------------------------------------------------- payments


@dataclass(frozen=True)
class PaymentRow:
    emission_reference: str
    amount: Decimal
    paid_on: date
    reference: str  # the insurer's own payment id: required, unique (SPEC §8)


PAYMENT_TEXTS = {
    "reference": _max_length(Payment, "reference"),
    "emission_reference": _max_length(PremiumCall, "reference"),
}


@dataclass(frozen=True)
class PaymentImportResult:
    recorded: int
    already_recorded: int


def check_payment_rows(
    *, rows: Sequence[PaymentRow], today: date
) -> tuple[RowErrors, dict[str, int], set[str]]:
    """Checks of a payment batch: each value, then the rows against each other and the
    database. Returns the errors, the premium call ids by reference and the references of the
    payments already recorded (the same payment sent again).

    Runs inside the import's transaction: it locks the premium calls of the batch, so that two
    imports paying the same premium calls (a batch sent again while the first is still being
    written, say) run one after the other and the second sees what the first recorded."""
    if not rows:
        raise ApplicationError("La liste des paiements est vide.", field="non_field_errors")
    errors = RowErrors()
    for index, row in enumerate(rows):
        for field, max_length in PAYMENT_TEXTS.items():
            errors.add_all(index, field, check_text(getattr(row, field), max_length=max_length))
        errors.add_all(index, "amount", check_amount(row.amount))
        errors.add_all(index, "paid_on", check_paid_on(row.paid_on, today=today))
    checked = [(index, row) for index, row in enumerate(rows) if not any(errors.has(index, f) for f in PAYMENT_TEXTS)]

    calls = dict(
        PremiumCall.objects.select_for_update()
        .filter(reference__in={row.emission_reference for _, row in checked})
        .order_by("id")
        .values_list("reference", "id")
    )
    references = Counter(row.reference for _, row in checked)
    recorded = {
        payment["reference"]: payment
        for payment in Payment.objects.filter(reference__in=list(references)).values(
            "reference", "premium_call__reference", "amount", "paid_on"
        )
    }
    for index, row in checked:
        if row.emission_reference not in calls:
            errors.add(index, "emission_reference", f"Aucune émission n'a la référence {row.emission_reference}.")
        if references[row.reference] > 1:
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
    return errors, calls, set(recorded)


def payments_import(*, rows: Sequence[PaymentRow], today: date) -> PaymentImportResult:
    """Record payments by their reference — a payment sent again in a later batch, even one
    written at the same moment, is recorded once (twice in one batch is refused) — and update the
    amounts paid of their premium calls, set-based, all rows or none."""
    try:
        return _payments_record(rows=rows, today=today)
    except IntegrityError:
        # Another import recorded one of these references between our check and our insert
        # (under another premium call, so our lock did not wait for it): check again, now
        # that it is committed — the row is then known or refused with its message.
        return _payments_record(rows=rows, today=today)


def _payments_record(*, rows: Sequence[PaymentRow], today: date) -> PaymentImportResult:
    with transaction.atomic():
        errors, calls, known = check_payment_rows(rows=rows, today=today)
        errors.raise_if_any("Import des paiements")
        new = [row for row in rows if row.reference not in known]
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


def organisation_create(*, orias: str | None, name: str, trade_name: str = "", **fields) -> Organisation:
    """An organisation, with its ORIAS number or without (None: « Continuer sans ORIAS »)."""
    organisation = Organisation(orias=orias or None, name=name, trade_name=trade_name, **fields)
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
    """An account made by the insurer's staff (or the demo): activated at once. A broker's or
    agent's user gets its first membership — its default one — in ``organisation``."""
    if role in (Role.ADMINISTRATOR, Role.COLLABORATOR) and organisation is None:
        raise ApplicationError("Un courtier ou un collaborateur appartient à un cabinet.", field="organisation")
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError("Un compte existe déjà avec cette adresse e-mail.", field="email")
    with transaction.atomic():
        user = User.objects.create_user(
            email,
            password,
            role=role,
            organisation=organisation if role in (Role.ADMINISTRATOR, Role.COLLABORATOR) else None,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == Role.ACCOUNTING,
            activated_at=timezone.now(),
        )
        if role in (Role.ADMINISTRATOR, Role.COLLABORATOR):
            Membership.objects.create(user=user, organisation=organisation, role=role)
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
    departements: Iterable[str] = (),
    collaborators: Iterable[User | Membership] = (),
) -> DelegationProfile:
    """A delegation profile of ``organisation``: areas, sociétaires listed and/or départements,
    given to collaborators (users of the organisation, or their memberships)."""
    areas = set(areas)
    memberships = []
    for collaborator in collaborators:
        membership = collaborator if isinstance(collaborator, Membership) else Membership.objects.filter(
            user=collaborator, organisation=organisation).first()
        if membership is None or membership.organisation_id != organisation.id or membership.role != Role.COLLABORATOR:
            raise ApplicationError("Seuls les collaborateurs du cabinet peuvent recevoir une délégation.")
        memberships.append(membership)
    member_list = list(members)
    foreign = [m for m in member_list if not m.policies.filter(broker=organisation).exists()]
    if foreign:
        raise ApplicationError(
            f"Le sociétaire {foreign[0].member_number} n'est pas un client du cabinet.", field="members"
        )
    codes = sorted({code.strip().upper() for code in departements if code.strip()})
    for code in codes:
        try:
            departement_validator(code)
        except ValidationError as error:
            raise ApplicationError(f"{code} : {error.messages[0]}", field="departements") from error
    with transaction.atomic():
        profile = DelegationProfile.objects.create(
            organisation=organisation,
            name=name,
            **{f"area_{area}": True for area in areas},
        )
        profile.members.set(member_list)
        DelegationDepartement.objects.bulk_create([DelegationDepartement(profile=profile, code=code)
                                                   for code in codes])
        profile.collaborators.set(memberships)
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


def accounting_apps() -> tuple[str, ...]:
    """The back office's apps: those whose ``AppConfig`` declares ``accounting_edits``. Accounting
    clerks see every row of their models; nothing outside them (no API token, group, permission,
    schedule…) and no delete anywhere."""
    from django.apps import apps

    return tuple(config.label for config in apps.get_app_configs()
                 if getattr(config, "accounting_edits", None) is not None)


def accounting_edits() -> dict[str, tuple[str, ...]]:
    """What clerks add or change (``"app_label.model": actions``, from each app's
    ``AppConfig.accounting_edits``); every other model of those apps is read-only to them, a new
    one included until it is listed. The admin classes narrow it further (which user accounts and
    which of their fields: ``portal.admin.UserAdmin``; prices not yet in effect…). Only superusers
    add user accounts or touch staff accounts, passwords, roles and rights."""
    from django.apps import apps

    return {f"{config.label}.{model}": tuple(actions) for config in apps.get_app_configs()
            for model, actions in (getattr(config, "accounting_edits", None) or {}).items()}


def accounting_permissions():
    """The permissions of the accounting group (a QuerySet of ``auth.Permission``)."""
    from django.contrib.auth.models import Permission

    edits = Q()
    for label, actions in accounting_edits().items():
        app_label, model = label.split(".")
        edits |= Q(content_type__app_label=app_label, content_type__model=model,
                   codename__in=[f"{action}_{model}" for action in actions])
    return Permission.objects.filter(Q(codename__startswith="view_") | edits,
                                     content_type__app_label__in=accounting_apps())


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
