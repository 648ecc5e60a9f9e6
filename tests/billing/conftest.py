"""Billing fixtures: the price list, and credit bought the way a user buys it (a purchase,
then the sandbox bank's signed notification)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import purchases
from billing.payments import SandboxProvider
from billing.services import price_list_install_defaults
from portal import clock


@pytest.fixture(autouse=True)
def price_list(db):
    """The seed's prices (a transactional test's flush removes what migration 0003 loaded)."""
    price_list_install_defaults()


@pytest.fixture
def buy(db):
    def _buy(organisation, amount="100.00", *, by=None):
        provider = SandboxProvider()
        now = clock.local_now()
        purchase, _ = purchases.credit_purchase_start(organisation=organisation, amount=Decimal(amount), by=by,
                                                      provider=provider, now=now)
        payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=now)
        return purchases.credit_purchase_notify(provider=provider, payload=payload, signature=signature, now=now,
                                                today=clock.business_today()).purchase

    return _buy
