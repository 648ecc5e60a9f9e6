"""What a paper envelope costs, through billing's service functions only (``price_quote``,
``paper_mail_items``, ``account_debit``, ``account_refund``, and ``billing.selectors.prices_on``:
billing's door for other apps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.errors import ApplicationError
from portal.models import Organisation, User


def _billing():
    from billing import services  # the one door into the billing app

    return services


def _prices_on(*, products: list[str], on: date) -> dict[str, Decimal]:
    from billing.selectors import prices_on  # billing's price list, read

    return prices_on(products=products, on=on)


@dataclass(frozen=True)
class PriceLine:
    label: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Price:
    total: Decimal  # TTC, what the debit takes from the credit
    lines: tuple[PriceLine, ...]
    items: tuple  # billing.services.LineItem, as debited


def paper_price(*, mode: str, sheets: int, typed_address: bool, first_page_address: bool, on: date) -> Price:
    billing = _billing()
    items = billing.paper_mail_items(mode=mode, sheets=sheets, typed_address=typed_address,
                                     first_page_address=first_page_address)
    quote = billing.price_quote(items=items, on=on)
    lines = tuple(PriceLine(line.label, line.quantity, line.unit_price, line.amount) for line in quote.lines)
    return Price(total=quote.total, lines=lines, items=tuple(items))


def debit(*, organisation: Organisation, price: Price, key: str, label: str, on: date, by: User | None) -> int:
    """Debit the credit (ApplicationError « Crédit insuffisant… », code ``insufficient_credit``,
    when short); the same ``key`` never debits twice. Returns the ledger entry id."""
    billing = _billing()
    entry = billing.account_debit(organisation=organisation, items=list(price.items), idempotency_key=key,
                                  label=label, on=on, by=by)
    return entry.pk


def refund(*, debit_entry_id: int, reason: str, by: User | None, on: date) -> int:
    """Refund a debit in full (idempotent on billing's side)."""
    return _billing().account_refund(debit_entry_id=debit_entry_id, reason=reason, by=by, on=on).pk


def address_prices(*, on: date) -> dict[str, Decimal]:
    """The two recipient options as priced on ``on``: ``typed`` (the address page, +0,16 €)
    and ``document`` (« Utiliser l'adresse du premier document », −0,10 €)."""
    prices = _prices_on(products=["address_page", "first_page_address"], on=on)
    return {"typed": prices.get("address_page"), "document": prices.get("first_page_address")}


PAPER_PRODUCTS = ["paper_mail_ecopli", "paper_mail_lettre_verte", "paper_mail_lettre_suivie", "paper_mail_recommande",
                  "paper_mail_recommande_ar", "paper_mail_extra_sheet", "address_page", "first_page_address"]


def price_table(*, on: date) -> dict[str, Decimal]:
    """Every paper-mail price in effect on ``on``, in one query (lists of drafts)."""
    return _prices_on(products=PAPER_PRODUCTS, on=on)


def paper_total(*, table: dict[str, Decimal], mode: str, sheets: int, typed_address: bool,
                first_page_address: bool) -> Decimal | None:
    """The total of ``paper_mail_items`` at the prices of ``table`` (None when not priceable)."""
    billing = _billing()
    try:
        items = billing.paper_mail_items(mode=mode, sheets=sheets, typed_address=typed_address,
                                         first_page_address=first_page_address)
    except ApplicationError:
        return None
    if any(item.product not in table for item in items):
        return None
    return sum((table[item.product] * item.quantity for item in items), Decimal("0.00"))
