"""Billing reads, scoped to the user's organisation (SPEC §2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from billing.models import ZERO, Account, CreditPurchase, Invoice, LedgerEntry, Price, Product, Receipt
from billing.rules import letters_affordable
from portal.models import Organisation, User


def account_balance(*, organisation: Organisation) -> Decimal:
    """The organisation's credit (the sum of its ledger entries; 0 before any)."""
    balance = Account.objects.filter(organisation=organisation).values_list("balance", flat=True).first()
    return balance if balance is not None else ZERO


def prices_on(*, products: Sequence[str], on: date) -> dict[str, Decimal]:
    """The price in effect on ``on`` of each product that has one (one query)."""
    prices: dict[str, Decimal] = {}
    rows = (
        Price.objects.filter(product__in=set(products), valid_from__lte=on)
        .order_by("product", "-valid_from")
        .values_list("product", "amount")
    )
    for product, amount in rows:
        prices.setdefault(product, amount)
    return prices


def _organisation_id(user: User) -> int | None:
    return user.organisation_id if getattr(user, "is_intermediary", False) else None


def receipts_for(*, user: User) -> QuerySet[Receipt]:
    return Receipt.objects.filter(account__organisation_id=_organisation_id(user)).order_by("-sequence")


def invoices_for(*, user: User) -> QuerySet[Invoice]:
    return Invoice.objects.filter(account__organisation_id=_organisation_id(user)).order_by("-issued_on", "-id")


def ledger_entries_for(*, user: User) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(account__organisation_id=_organisation_id(user)).order_by("-id")


def purchase_for(*, user: User, token: str) -> CreditPurchase | None:
    return (
        CreditPurchase.objects.select_related("receipt")
        .filter(account__organisation_id=_organisation_id(user), token=token)
        .first()
    )


@dataclass(frozen=True)
class CreditSummary:
    """"Crédit actuel : X € (soit N LRAR ou M sans accusé de réception)"."""

    balance: Decimal
    overdraft_limit: Decimal
    registered_with_ack: int
    registered_without_ack: int
    price_with_ack: Decimal | None
    price_without_ack: Decimal | None


def credit_summary(*, organisation: Organisation, on) -> CreditSummary:
    account = Account.objects.filter(organisation=organisation).first()
    balance = account.balance if account else ZERO
    overdraft = account.overdraft_limit if account else ZERO
    prices = prices_on(products=[Product.REGISTERED_ELETTER_ACKNOWLEDGEMENT, Product.REGISTERED_ELETTER], on=on)
    with_ack, without_ack = prices.get(Product.REGISTERED_ELETTER_ACKNOWLEDGEMENT), prices.get(Product.REGISTERED_ELETTER)
    return CreditSummary(
        balance=balance,
        overdraft_limit=overdraft,
        registered_with_ack=letters_affordable(balance, with_ack or ZERO),
        registered_without_ack=letters_affordable(balance, without_ack or ZERO),
        price_with_ack=with_ack,
        price_without_ack=without_ack,
    )
