"""Fixtures of the cycle amiable: cases built the way production builds them — premium calls
imported, the daily run opening cases — on dates chosen around French holidays."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from amiable import cycle
from amiable.models import Case
from portal import services
from portal.businessdays import BusinessCalendar

CAL = BusinessCalendar()
DUE = date(2026, 2, 2)  # Monday
DEFAULT = date(2026, 2, 12)  # DUE + 8 business days
WINDOW_END = date(2026, 2, 19)  # DEFAULT + 5 business days


@pytest.fixture
def cal():
    return CAL


@pytest.fixture
def tick(db):
    def _tick(day: date):
        return cycle.amiable_tick(today=day, calendar=CAL)

    return _tick


@pytest.fixture
def contacts(org, other_org):
    """Accounting and non-accounting contacts of the broker (members get theirs per case)."""
    services.contact_add(organisation=org, email="compta@un.test", name="Compta Un", is_accounting=True)
    services.contact_add(organisation=org, email="commercial@un.test", name="Commercial", is_accounting=False)
    services.contact_add(organisation=other_org, email="compta@deux.test", is_accounting=True)


@pytest.fixture
def make_case(emission, tick, contacts, org):
    """Import a premium call and run the day it defaults: returns the opened case."""

    def _make(*, reference="EM-1", policy_number="P-1", member_number="M-1", company_name="ENTREPRISE",
              broker=None, broker_manages=True, due_date=DUE, amount="1000.00", open_on=None) -> Case:
        call = emission(reference=reference, policy_number=policy_number, member_number=member_number,
                        company_name=company_name, broker=broker or org, broker_manages=broker_manages,
                        due_date=due_date, amount=amount)
        member = call.policy.member
        services.contact_add(member=member, email=f"compta@{member_number.lower()}.test", is_accounting=True)
        services.contact_add(member=member, email=f"direction@{member_number.lower()}.test", is_accounting=False)
        tick(open_on or CAL.add_business_days(due_date, 8))
        return Case.objects.select_related("policy__member", "policy__broker", "premium_call").get(
            premium_call=call
        )

    return _make


@pytest.fixture
def pay(db):
    numbers = itertools.count(1)

    def _pay(case: Case, amount: str, paid_on: date, reference: str | None = None):
        reference = reference or f"VIR-{case.premium_call.reference}-{next(numbers)}"
        services.payments_import(
            rows=[services.PaymentRow(case.premium_call.reference, Decimal(amount), paid_on, reference)],
            today=paid_on,
        )

    return _pay
