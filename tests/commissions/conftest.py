"""Commissions fixtures: products with their rates, policies of the organisations and payments,
all through the services (the premium-call and payment imports, ``commissions.services``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commissions import services
from portal import services as portal_services
from portal.models import PremiumCall, Product


@pytest.fixture
def products(db):
    """Two products, as staff create them in the admin; Pyramide Artisan at 15 % since 2025,
    then 16 % from 15 February 2026; Flotte automobile without a rate."""
    artisan = Product.objects.create(code="pyramide_artisan", name="Pyramide Artisan")
    fleet = Product.objects.create(code="flotte_automobile", name="Flotte automobile")
    services.rate_add(product=artisan, rate=Decimal("15.00"), effective_from=date(2025, 1, 1))
    services.rate_add(product=artisan, rate=Decimal("16.00"), effective_from=date(2026, 2, 15))
    return {"artisan": artisan, "fleet": fleet}


@pytest.fixture
def premium(db, products):
    """A premium call on a policy of ``broker`` (an organisation), for a product code."""

    def _premium(reference: str, *, broker, policy_number: str, member_number: str = "M-1",
                 company_name: str = "ENTREPRISE", product: str | None = "pyramide_artisan",
                 amount: str = "1000.00", due_date: date = date(2026, 2, 2)) -> PremiumCall:
        portal_services.emissions_import(rows=[portal_services.EmissionRow(
            reference=reference, policy_number=policy_number, member_number=member_number,
            company_name=company_name, broker_orias=broker.orias if broker else None,
            broker_manages=broker is not None, due_date=due_date, amount=Decimal(amount), product=product)])
        return PremiumCall.objects.select_related("policy__member").get(reference=reference)

    return _premium


@pytest.fixture
def pay(db):
    """Record a payment through the insurer's import (as of ``today``, default the frozen date)."""

    def _pay(call: PremiumCall, amount: str, paid_on: date, *, reference: str | None = None,
             today: date = date(2026, 3, 2)):
        reference = reference or f"PAY-{call.reference}-{paid_on:%m%d}-{amount}"
        portal_services.payments_import(rows=[portal_services.PaymentRow(call.reference, Decimal(amount), paid_on,
                                                                         reference)], today=today)
        from portal.models import Payment

        return Payment.objects.get(reference=reference)

    return _pay


@pytest.fixture
def february(org, other_org, premium, pay):
    """February 2026 for the first organisation: two payments on Pyramide Artisan (before and
    after the rate change), one on a product without rate; and one of the other organisation."""
    first = premium("EM-A1", broker=org, policy_number="P-A1", member_number="M-1", company_name="=DUPONT SARL")
    second = premium("EM-A2", broker=org, policy_number="P-A2", member_number="M-2", company_name="MARTIN SAS")
    fleet = premium("EM-F1", broker=org, policy_number="P-F1", member_number="M-2", company_name="MARTIN SAS",
                    product="flotte_automobile", amount="500.00")
    foreign = premium("EM-X1", broker=other_org, policy_number="P-X1", member_number="M-9", company_name="AUTRE")
    return {
        "first": pay(first, "100.05", date(2026, 2, 10)),  # 15 % → 15,0075 → 15,01
        "second": pay(second, "333.33", date(2026, 2, 20)),  # 16 % → 53,3328 → 53,33
        "fleet": pay(fleet, "500.00", date(2026, 2, 11)),  # no rate → 0
        "foreign": pay(foreign, "200.00", date(2026, 2, 12)),  # 15 % → 30,00
        "calls": {"first": first, "second": second, "fleet": fleet, "foreign": foreign},
    }
