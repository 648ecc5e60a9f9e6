"""Real parallel transactions on PostgreSQL: threads, each with its own connection.

* many debits at once never overdraw (the account row lock serialises check and insert);
* one idempotency key replayed at once debits once;
* receipts and invoices numbered at once get gap-free, unique numbers.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from billing import invoicing, purchases
from billing.models import EntryKind, Invoice, LedgerEntry, Receipt
from billing.payments import SandboxProvider
from billing.selectors import account_balance
from billing.services import LineItem, account_debit, account_refund
from portal import clock
from portal import services as portal_services
from portal.errors import ApplicationError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real parallel transactions (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]
WORKERS = 8


def in_parallel(function, count: int) -> list:
    """Run ``function(i)`` for i in range(count) on WORKERS threads started together; each
    thread uses (then closes) its own database connection. Returns results or exceptions."""
    barrier = threading.Barrier(min(count, WORKERS))

    def run(index):
        try:
            if index < WORKERS:
                barrier.wait(timeout=10)
            return function(index)
        except Exception as error:  # collected and asserted by the test
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_debits_never_overdraw(org, buy):
    buy(org, "20.00")  # pays for 5 LRAR (5 × 3,78 € = 18,90 €), not 6

    def debit(index):
        return account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key=f"c:{index}",
                             label=f"Lettre {index}", on=date(2026, 3, 2))

    results = in_parallel(debit, 24)
    succeeded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(succeeded) == 5 and len(refused) == 19, results
    assert all(r.message.startswith("Crédit insuffisant") for r in refused)
    total = LedgerEntry.objects.filter(account__organisation=org).aggregate(s=Sum("amount"))["s"]
    assert account_balance(organisation=org) == total == Decimal("1.10")


def test_concurrent_replays_of_one_key_debit_once(org, buy):
    buy(org, "50.00")

    def debit(_):
        return account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="same-key",
                             label="Lettre", on=date(2026, 3, 2)).pk

    results = in_parallel(debit, 16)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.DEBIT).count() == 1
    assert account_balance(organisation=org) == Decimal("47.03")


def test_concurrent_refunds_of_one_debit_refund_once(org, buy):
    buy(org, "10.00")
    debit = account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key="r", label="L",
                          on=date(2026, 3, 2))
    results = in_parallel(lambda _: account_refund(debit_entry_id=debit.pk, reason="Annulé").pk, 8)
    assert len(set(results)) == 1, results
    assert account_balance(organisation=org) == Decimal("10.00")


def test_concurrent_payment_notifications_number_receipts_without_gaps(org, admin_user):
    provider = SandboxProvider()
    notices = []
    for _ in range(12):
        purchase, _ = purchases.credit_purchase_start(organisation=org, amount="30", by=admin_user,
                                                      provider=provider, now=clock.local_now())
        notices.append(provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now()))

    def settle(index):
        payload, signature = notices[index % 12]
        return purchases.credit_purchase_notify(provider=provider, payload=payload, signature=signature,
                                                now=clock.local_now(), today=clock.business_today())

    results = in_parallel(settle, 24)  # every notification twice: the replays are refused
    assert sum(1 for r in results if isinstance(r, ApplicationError) and r.code == "replayed") == 12
    assert sorted(Receipt.objects.values_list("sequence", flat=True)) == list(range(1, 13))
    assert account_balance(organisation=org) == Decimal("360.00")


def test_concurrent_invoicing_numbers_invoices_without_gaps_or_duplicates(set_today, buy):
    set_today("2026-02-10")
    organisations = []
    for index in range(10):
        organisation = portal_services.organisation_create(orias=f"0710{index:04d}", name=f"Cabinet {index}")
        buy(organisation, "10.00")
        account_debit(organisation=organisation, items=[LineItem("registered_eletter")], idempotency_key=f"i:{index}", label="L",
                      on=date(2026, 2, 10))
        organisations.append(organisation)
    set_today("2026-03-01")

    def run(_):
        return invoicing.invoices_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 1)).count

    results = in_parallel(run, 8)  # eight beat jobs at once
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 10
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 11))
    assert Invoice.objects.values("account").distinct().count() == 10
