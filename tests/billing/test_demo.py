"""``billing_demo`` (run by ``seed_demo``) gives the demo organisations a realistic billing, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import CreditPurchase, Invoice, LedgerEntry, Receipt
from billing.selectors import account_balance
from portal import clock
from portal.months import previous_month


@pytest.mark.slow
def test_billing_demo_is_idempotent(org, other_org, admin_user, other_admin):
    call_command("billing_demo", stdout=StringIO())
    counts = (CreditPurchase.objects.count(), Receipt.objects.count(), LedgerEntry.objects.count(),
              Invoice.objects.count())
    balances = (account_balance(organisation=org), account_balance(organisation=other_org))
    call_command("billing_demo", stdout=StringIO())
    assert (CreditPurchase.objects.count(), Receipt.objects.count(), LedgerEntry.objects.count(),
            Invoice.objects.count()) == counts
    assert (account_balance(organisation=org), account_balance(organisation=other_org)) == balances
    start, _ = previous_month(clock.business_today())
    assert set(Invoice.objects.filter(period_start=start).values_list("account__organisation", flat=True)) == {
        org.pk, other_org.pk
    }
    assert counts[1] == 3 and balances[0] > 0
    assert not Receipt.objects.filter(document__isnull=True).exists()
    assert not Invoice.objects.filter(document__isnull=True).exists()
