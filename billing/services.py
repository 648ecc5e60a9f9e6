"""Billing writes: price list, quotes, and the ledger of each organisation's prepaid account.

The interface other apps use (and only this, plus ``billing.selectors.account_balance``)::

    items = [LineItem("registered_eletter_acknowledgement")]
    quote = price_quote(items=items, on=today)                          # quote.total: TTC debited
    entry = account_debit(organisation=org, items=items, idempotency_key="letter:42:send",
                          label="Lettre de résiliation n° 42", on=today, by=user)
    account_refund(debit_entry_id=entry.pk, reason="Envoi annulé", by=user)  # once, idempotent

Product codes (prices are TTC, VAT 20 % included, as in seed 001; the initial list is loaded
by migration 0003 with ``valid_from`` 01/01/2020 and new prices are added in the admin with a
date of effect; a debit keeps the unit prices of its day):

========================================  =========  ==========================================================
code                                      price TTC  what it prices
========================================  =========  ==========================================================
``registered_eletter``                    2,97 €     registered e-letter without acknowledgement (seed §5.6)
``registered_eletter_acknowledgement``    3,78 €     registered e-letter with acknowledgement of receipt
``esignature``                            1,50 €     e-signature of the mandate ("+1.5 €", seed §5)
``platform_registered_eletter``           5,28 €     registered e-letter, always with AR, sent in the platform's name
``identity_check``                        14,40 €    strong identity check (eIDAS, "14,4 € TTC")
``address_page``                          0,16 €     typed recipient → an address page is added (seed §8.3)
``first_page_address``                    −0,10 €    "Utiliser l'adresse du premier document (-0.10€)"
``paper_mail_ecopli``                     1,04 €     paper mail, Écopli, envelope with its first sheet
``paper_mail_lettre_verte``               1,14 €     paper mail, Lettre verte, first sheet (seed §8.5: 1.14 €)
``paper_mail_lettre_suivie``              1,94 €     paper mail, Lettre suivie, first sheet
``paper_mail_recommande``                 5,06 €     paper mail, Recommandé, first sheet
``paper_mail_recommande_ar``              6,14 €     paper mail, Recommandé avec AR, first sheet
``paper_mail_extra_sheet``                0,18 €     each further sheet of a paper mail (any mode)
========================================  =========  ==========================================================

Seed §8.6 ("Tarifs") lists what the paper prices include (printing, envelope, postage) but
gives only one figure: a one-sheet Lettre verte at 1,14 €. The other paper prices are our
starting values (editable in the admin). A paper envelope of ``n`` sheets in mode ``m`` is
priced ``paper_mail_<m>`` + (n − 1) × ``paper_mail_extra_sheet`` (+ ``address_page`` or
``first_page_address``): ``paper_mail_items`` builds that list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from billing.models import (
    ZERO,
    Account,
    EntryKind,
    Invoice,
    LedgerEntry,
    LedgerLine,
    Price,
    Product,
)
from billing.selectors import prices_on
from portal.errors import ApplicationError
from portal.formatting import format_date, format_money
from portal.models import Organisation, Role, User
from portal.months import month_start

PAPER_MODES = ("ecopli", "lettre_verte", "lettre_suivie", "recommande", "recommande_ar")
MAX_AMOUNT = Decimal("1000000")
# Prices that may be negative (a reduction); every other price is >= 0.
REDUCTIONS = {Product.FIRST_PAGE_ADDRESS}


# --------------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class LineItem:
    product: str  # a ``billing.models.Product`` code
    quantity: int = 1


@dataclass(frozen=True)
class QuoteLine:
    product: str
    label: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    total: Decimal  # TTC, the amount a debit of these items takes from the credit
    on: date


def price_quote(*, items: Sequence[LineItem], on: date) -> Quote:
    """Price a list of items on a date; unknown products or quantities are refused."""
    if not items:
        raise ApplicationError("Aucune prestation à chiffrer.", field="items")
    quantities: Counter[str] = Counter()
    for item in items:
        if item.product not in Product.values:
            raise ApplicationError(f"Produit inconnu : {item.product}.", field="items")
        if not isinstance(item.quantity, int) or isinstance(item.quantity, bool) or item.quantity < 1:
            raise ApplicationError(f"Quantité invalide pour {item.product} : {item.quantity}.", field="items")
        quantities[item.product] += item.quantity
    prices = prices_on(products=list(quantities), on=on)
    lines = []
    for product, quantity in quantities.items():
        if product not in prices:
            raise ApplicationError(
                f"Aucun tarif en vigueur au {format_date(on)} pour « {Product(product).label} ».", field="items"
            )
        unit = prices[product]
        lines.append(QuoteLine(product, Product(product).label, quantity, unit, unit * quantity))
    return Quote(lines=tuple(lines), total=sum((line.amount for line in lines), ZERO), on=on)


def paper_mail_items(*, mode: str, sheets: int, typed_address: bool = False,
                     first_page_address: bool = False) -> list[LineItem]:
    """The items of one paper envelope (see the module docstring)."""
    if mode not in PAPER_MODES:
        raise ApplicationError(f"Mode d'envoi inconnu : {mode}.", field="mode")
    if not 1 <= sheets <= 95:
        raise ApplicationError("Un pli contient de 1 à 95 feuilles.", field="sheets")
    items = [LineItem(f"paper_mail_{mode}")]
    if sheets > 1:
        items.append(LineItem(Product.PAPER_MAIL_EXTRA_SHEET, sheets - 1))
    if typed_address:
        items.append(LineItem(Product.ADDRESS_PAGE))
    elif first_page_address:
        items.append(LineItem(Product.FIRST_PAGE_ADDRESS))
    return items


# ----------------------------------------------------------------------------- price list

# The initial price list (TTC). Migration 0003 loads the same values; tests whose database
# was flushed (transactional tests) reload them with ``price_list_install_defaults``.
DEFAULT_PRICES_FROM = date(2020, 1, 1)
DEFAULT_PRICES = {
    Product.REGISTERED_ELETTER: Decimal("2.97"),
    Product.REGISTERED_ELETTER_ACKNOWLEDGEMENT: Decimal("3.78"),
    Product.ESIGNATURE: Decimal("1.50"),
    Product.PLATFORM_REGISTERED_ELETTER: Decimal("5.28"),
    Product.IDENTITY_CHECK: Decimal("14.40"),
    Product.ADDRESS_PAGE: Decimal("0.16"),
    Product.FIRST_PAGE_ADDRESS: Decimal("-0.10"),
    Product.PAPER_MAIL_ECOPLI: Decimal("1.04"),
    Product.PAPER_MAIL_LETTRE_VERTE: Decimal("1.14"),
    Product.PAPER_MAIL_LETTRE_SUIVIE: Decimal("1.94"),
    Product.PAPER_MAIL_RECOMMANDE: Decimal("5.06"),
    Product.PAPER_MAIL_RECOMMANDE_AR: Decimal("6.14"),
    Product.PAPER_MAIL_EXTRA_SHEET: Decimal("0.18"),
}


def price_list_install_defaults() -> int:
    """Create the initial prices that are missing (idempotent); returns how many were added."""
    added = 0
    for product, amount in DEFAULT_PRICES.items():
        _, created = Price.objects.get_or_create(
            product=product, valid_from=DEFAULT_PRICES_FROM, defaults={"amount": amount}
        )
        added += created
    return added



def check_price(*, product: str, amount: Decimal, valid_from: date, today: date,
                instance: Price | None = None) -> None:
    """A price takes effect today or later; only a price not yet in effect may change."""
    if product not in Product.values:
        raise ApplicationError("Produit inconnu.", field="product")
    if amount is None or (amount < 0 and product not in REDUCTIONS):
        raise ApplicationError("Le prix doit être positif ou nul.", field="amount")
    if instance is not None and instance.pk and instance.valid_from <= today:
        raise ApplicationError(
            "Un tarif déjà en vigueur ne se modifie pas : ajoutez un nouveau tarif avec sa date d'effet."
        )
    if valid_from < today:
        raise ApplicationError(
            "La date d'effet d'un nouveau tarif ne peut pas être passée.", field="valid_from"
        )
    clash = Price.objects.filter(product=product, valid_from=valid_from)
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError("Ce produit a déjà un tarif à cette date d'effet.", field="valid_from")


def price_schedule(*, product: str, amount: Decimal, valid_from: date, today: date,
                   instance: Price | None = None) -> Price:
    """Add (or correct, while not yet in effect) a price of the list."""
    check_price(product=product, amount=amount, valid_from=valid_from, today=today, instance=instance)
    price = instance if instance is not None else Price()
    price.product, price.amount, price.valid_from = product, amount, valid_from
    price.save()
    return price


# -------------------------------------------------------------------------------- accounts


def account_for(*, organisation: Organisation) -> Account:
    """The organisation's account, created on first use (race-safe: unique organisation)."""
    account = Account.objects.filter(organisation=organisation).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(organisation=organisation)
    except IntegrityError:
        return Account.objects.get(organisation=organisation)


def account_lock(*, account: Account) -> Account:
    """Re-read the account with a row lock held until the end of the caller's transaction."""
    return Account.objects.select_for_update().get(pk=account.pk)


def _append(*, account: Account, kind: str, amount: Decimal, label: str, booked_on: date,
            by: User | None, reason: str = "", idempotency_key: str = "",
            refund_of: LedgerEntry | None = None) -> LedgerEntry:
    """Insert an entry and move the cached balance with it; the caller holds the account lock."""
    balance = account.balance + amount
    entry = LedgerEntry.objects.create(
        account=account, kind=kind, amount=amount, balance_after=balance, booked_on=booked_on,
        label=label[:200], reason=reason[:300], idempotency_key=idempotency_key, refund_of=refund_of,
        created_by=by if by is not None and by.pk else None,
    )
    Account.objects.filter(pk=account.pk).update(balance=balance)
    account.balance = balance
    return entry


def _invoiced_month_error(on: date) -> ApplicationError:
    return ApplicationError(
        f"Le mois du {format_date(on)} est déjà facturé : l'opération doit être datée du mois en cours."
    )


def _check_open_month(*, account: Account, on: date) -> None:
    if Invoice.objects.filter(account=account, period_start=month_start(on)).exists():
        raise _invoiced_month_error(on)


def _same_items(entry: LedgerEntry, items: Sequence[LineItem]) -> bool:
    wanted: Counter[str] = Counter()
    for item in items:
        wanted[item.product] += item.quantity
    return Counter({line.product: line.quantity for line in entry.lines.all()}) == wanted


def _replayed(*, key: str, account: Account, items: Sequence[LineItem]) -> LedgerEntry | None:
    entry = LedgerEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if entry.account_id != account.pk or entry.kind != EntryKind.DEBIT or not _same_items(entry, items):
        raise ApplicationError("Cette clé d'idempotence a déjà servi pour une autre opération.")
    return entry


def account_debit(*, organisation: Organisation, items: Sequence[LineItem], idempotency_key: str,
                  label: str, on: date, by: User | None = None) -> LedgerEntry:
    """Take the price of ``items`` from the organisation's credit.

    Refused with "Crédit insuffisant : …" when the credit plus the overdraft limit does not
    cover it. The account row is locked for the check and the insert, so two debits at once
    never overdraw. Replaying ``idempotency_key`` returns the first entry and debits nothing
    (the key is unique in the database: a concurrent replay fails its insert and rolls back).
    """
    key = (idempotency_key or "").strip()
    if not key:
        raise ApplicationError("Une clé d'idempotence est obligatoire pour débiter un compte.")
    if not label.strip():
        raise ApplicationError("Le libellé du débit est obligatoire.", field="label")
    account = account_for(organisation=organisation)
    replay = _replayed(key=key, account=account, items=items)
    if replay is not None:
        return replay
    quote = price_quote(items=items, on=on)
    if quote.total <= 0:
        raise ApplicationError("Le montant à débiter doit être positif.", field="items")
    month_invoiced = Exists(Invoice.objects.filter(account=OuterRef("pk"), period_start=month_start(on)))
    try:
        with transaction.atomic():
            # One statement locks the row (until commit) and reads what the checks need: the
            # lock is held for this, two inserts, one update and the commit, no more.
            account = Account.objects.select_for_update().annotate(month_invoiced=month_invoiced).get(pk=account.pk)
            if account.month_invoiced:
                raise _invoiced_month_error(on)
            if account.balance - quote.total < -account.overdraft_limit:
                raise ApplicationError(
                    f"Crédit insuffisant : cette opération coûte {format_money(quote.total)} et votre crédit "
                    f"disponible est de {format_money(max(account.available, ZERO))}. "
                    "Achetez des crédits depuis la page Facturation.",
                    code="insufficient_credit",
                )
            entry = _append(account=account, kind=EntryKind.DEBIT, amount=-quote.total, label=label,
                            booked_on=on, by=by, idempotency_key=key)
            LedgerLine.objects.bulk_create([
                LedgerLine(entry=entry, product=line.product, quantity=line.quantity,
                           unit_price=line.unit_price, amount=line.amount)
                for line in quote.lines
            ])
    except IntegrityError:
        # The same key was committed meanwhile by a concurrent call (unique constraint): this
        # transaction is rolled back whole and the first entry is the answer.
        replay = _replayed(key=key, account=account, items=items)
        if replay is None:
            raise
        return replay
    return entry


def account_refund(*, debit_entry_id: int, reason: str, by: User | None = None,
                   on: date | None = None) -> LedgerEntry:
    """Give back a debit, named by the id ``account_debit`` returned, once (a second call returns
    the existing refund). ``on`` defaults to the business date."""
    from portal import clock

    debit = LedgerEntry.objects.filter(pk=debit_entry_id).first()
    if debit is None or debit.kind != EntryKind.DEBIT:
        raise ApplicationError("Seul un débit peut être remboursé.")
    if not reason.strip():
        raise ApplicationError("Le motif du remboursement est obligatoire.", field="reason")
    booked_on = on or clock.business_today()
    with transaction.atomic():
        account = account_lock(account=debit.account)
        existing = LedgerEntry.objects.filter(refund_of=debit).first()
        if existing is not None:
            return existing
        _check_open_month(account=account, on=booked_on)
        refund = _append(account=account, kind=EntryKind.REFUND, amount=-debit.amount,
                         label=f"Remboursement : {debit.label}", booked_on=booked_on, by=by,
                         reason=reason.strip(), refund_of=debit)
        LedgerLine.objects.bulk_create([
            LedgerLine(entry=refund, product=line.product, quantity=line.quantity,
                       unit_price=line.unit_price, amount=line.amount)
            for line in debit.lines.all()
        ])
    return refund


def _staff(by: User | None) -> None:
    if by is None or not by.is_active or not (by.is_staff or by.role == Role.ACCOUNTING):
        raise ApplicationError("Seule la comptabilité de L'Auxiliaire peut faire cette opération.")


def parse_amount(raw, *, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(raw).strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        raise ApplicationError("Montant invalide.", field=field)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) or abs(amount) >= MAX_AMOUNT:
        raise ApplicationError("Montant invalide (deux décimales au plus).", field=field)
    return amount.quantize(Decimal("0.01"))


def account_adjust(*, organisation: Organisation, amount: Decimal, reason: str, by: User,
                   on: date) -> LedgerEntry:
    """A staff adjustment (régularisation), positive or negative, always with a reason."""
    _staff(by)
    amount = parse_amount(amount)
    if amount == 0:
        raise ApplicationError("Le montant de la régularisation ne peut pas être nul.", field="amount")
    if not reason.strip():
        raise ApplicationError("Le motif de la régularisation est obligatoire.", field="reason")
    account = account_for(organisation=organisation)
    with transaction.atomic():
        account = account_lock(account=account)
        return _append(account=account, kind=EntryKind.ADJUSTMENT, amount=amount,
                       label="Régularisation par L'Auxiliaire", booked_on=on, by=by, reason=reason.strip())


def account_overdraft_set(*, organisation: Organisation, limit: Decimal, by: User) -> Account:
    """Set how far below zero the credit may go (0: no overdraft)."""
    _staff(by)
    limit = parse_amount(limit, field="overdraft_limit")
    if limit < 0:
        raise ApplicationError("Le découvert autorisé est un montant positif ou nul.", field="overdraft_limit")
    account = account_for(organisation=organisation)
    with transaction.atomic():
        account = account_lock(account=account)
        Account.objects.filter(pk=account.pk).update(overdraft_limit=limit)
        account.overdraft_limit = limit
    return account


def credit_entry_append(*, account: Account, amount: Decimal, label: str, booked_on: date,
                        by: User | None, idempotency_key: str) -> LedgerEntry:
    """A purchase entry; the caller (``billing.purchases``) holds the account lock."""
    return _append(account=account, kind=EntryKind.PURCHASE, amount=amount, label=label,
                   booked_on=booked_on, by=by, idempotency_key=idempotency_key)
