"""Fixtures of « Suivre votre activité »: a small portfolio built the way production builds it
— premium calls and payments imported, the cycle amiable's daily run taking an unpaid call to
suspension and termination —, then the figures refreshed."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from activity import services as activity_services
from amiable import cycle, rules
from portal import services
from portal.businessdays import BusinessCalendar
from portal.models import Product

CAL = BusinessCalendar()
PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 2)
UNPAID_DUE = date(2025, 11, 3)  # goes to suspension then termination before TODAY


@pytest.fixture
def products(db):
    return {
        "pyramide_artisan": Product.objects.create(code="pyramide_artisan", name="Pyramide Artisan"),
        "flotte_automobile": Product.objects.create(code="flotte_automobile", name="Flotte automobile"),
    }


@pytest.fixture
def refresh(db):
    def _refresh(today: date = TODAY):
        return activity_services.activity_refresh(today=today, now=datetime(2026, 3, 2, 6, 30, tzinfo=PARIS))

    return _refresh


@pytest.fixture
def calls(db):
    """Import premium calls (and their payments) like the insurer's system."""
    numbers = itertools.count(1)

    def _calls(*, broker, policy_number: str, member_number: str, company_name: str, product: str | None,
               dues: list[tuple[date, str, str]], broker_manages: bool = True) -> None:
        rows, payments = [], []
        for due, amount, paid in dues:
            reference = f"EM-{policy_number}-{due:%Y%m%d}"
            rows.append(services.EmissionRow(
                reference=reference, policy_number=policy_number, member_number=member_number,
                company_name=company_name, broker_orias=broker.orias if broker else None,
                broker_manages=broker_manages and broker is not None, due_date=due, amount=Decimal(amount),
                product=product))
            if Decimal(paid):
                payments.append(services.PaymentRow(reference, Decimal(paid), due, f"VIR-{next(numbers)}"))
        services.emissions_import(rows=rows)
        if payments:
            services.payments_import(rows=payments, today=TODAY)

    return _calls


@pytest.fixture
def portfolio(org, other_org, products, calls, refresh):
    """Cabinet Un: client M-1 (two Pyramide Artisan policies, one of them unpaid in November
    2025), client M-2 (a fleet policy, half paid in January 2026) and client M-3 (no product).
    Agence Deux: one policy of its own, never counted for Cabinet Un. Figures refreshed."""
    calls(broker=org, policy_number="P-1", member_number="M-1", company_name="BOULANGERIE DURAND",
          product="pyramide_artisan", dues=[(date(2025, 10, 6), "1000.00", "1000.00"),
                                            (date(2026, 1, 5), "1000.00", "1000.00")])
    calls(broker=org, policy_number="P-2", member_number="M-1", company_name="BOULANGERIE DURAND",
          product="pyramide_artisan", dues=[(UNPAID_DUE, "500.00", "0")])
    calls(broker=org, policy_number="P-3", member_number="M-2", company_name="TRANSPORTS MARTIN",
          product="flotte_automobile", dues=[(date(2025, 10, 6), "2000.00", "2000.00"),
                                             (date(2026, 1, 5), "2000.00", "1000.00")])
    calls(broker=org, policy_number="P-4", member_number="M-3", company_name="ÉLECTRICITÉ LYONNAISE",
          product=None, dues=[(date(2026, 2, 2), "300.00", "300.00")])
    calls(broker=other_org, policy_number="Q-1", member_number="N-1", company_name="AGENCE CLIENT",
          product="pyramide_artisan", dues=[(date(2025, 10, 6), "9999.00", "0")])
    refresh()


@pytest.fixture
def cycle_history(portfolio, refresh):
    """The cycle amiable takes the unpaid call of November 2025 to suspension (December) and
    termination (January); today the half-paid call of January 2026 opens a case (« Rappel »)."""
    _cycle_to_termination()
    refresh()


def _cycle_to_termination() -> None:
    """The daily run on the days that matter for the unpaid call of November 2025, and today
    (the half-paid call of January 2026 is in default: a case opens, at the « Rappel » step)."""
    opened = rules.default_date(due_date=UNPAID_DUE, calendar=CAL)
    window_end = rules.response_deadline(reminder_date=opened, calendar=CAL)
    notice = rules.formal_notice_date(window_end=window_end, calendar=CAL)
    for day in (opened, notice, rules.suspension_date(formal_notice_date=notice, calendar=CAL),
                rules.termination_date(formal_notice_date=notice, calendar=CAL), TODAY):
        cycle.amiable_tick(today=day, calendar=CAL)
