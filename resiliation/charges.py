"""What the résiliation app pays, through billing's service functions only (its contract:
``billing.services.LineItem``, ``account_debit``, ``account_refund``, and
``billing.selectors.prices_on``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.models import Organisation, User


def _billing():
    from billing import services  # the one door into the billing app

    return services


def prices_on(*, products: list[str], on: date) -> dict[str, Decimal]:
    """The price in force on ``on`` of each product that has one (billing's price list, read)."""
    from billing.selectors import prices_on

    return prices_on(products=products, on=on)


def debit(*, organisation: Organisation, products: list[str], key: str, label: str, on: date,
          by: User | None = None) -> int:
    """Debit the organisation's credit (ApplicationError « Crédit insuffisant… » when short);
    the same ``key`` never debits twice. Returns the ledger entry id."""
    billing = _billing()
    entry = billing.account_debit(organisation=organisation, items=[billing.LineItem(p) for p in products],
                                  idempotency_key=key, label=label, on=on, by=by)
    return entry.pk


def refund(*, debit_entry_id: int, reason: str, by: User | None = None) -> int:
    """Refund a debit in full (idempotent on billing's side)."""
    return _billing().account_refund(debit_entry_id=debit_entry_id, reason=reason, by=by).pk
