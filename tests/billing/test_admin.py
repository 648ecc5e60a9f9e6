"""The back office of accounting clerks: price list, overdraft and adjustments, read-only ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Account, EntryKind, LedgerEntry, Price, Receipt
from billing.selectors import account_balance
from billing.services import account_for


@pytest.fixture
def clerk(client_for, accounting_user):
    return client_for(accounting_user)


def test_clerk_adds_a_price_with_a_future_date_of_effect(clerk):
    url = reverse("admin:billing_price_add")
    past = clerk.post(url, {"product": "registered_eletter", "amount": "3.05", "valid_from": "01/03/2026"})
    assert past.status_code == 200 and "ne peut pas être passée" in past.content.decode()
    assert clerk.post(url, {"product": "registered_eletter", "amount": "3.05", "valid_from": "01/04/2026"}).status_code == 302
    assert Price.objects.get(product="registered_eletter", valid_from=date(2026, 4, 1)).amount == Decimal("3.05")


def test_a_price_in_effect_cannot_be_changed_or_deleted(clerk):
    price = Price.objects.get(product="registered_eletter", valid_from=date(2020, 1, 1))
    change = reverse("admin:billing_price_change", args=[price.pk])
    clerk.post(change, {"product": "registered_eletter", "amount": "0.01", "valid_from": "01/01/2020"})
    assert clerk.post(reverse("admin:billing_price_delete", args=[price.pk]), {"post": "yes"}).status_code == 403
    price.refresh_from_db()
    assert price.amount == Decimal("2.97")


def test_clerk_sets_the_overdraft_and_adjusts_with_a_reason(clerk, org, accounting_user):
    account = account_for(organisation=org)
    url = reverse("admin:billing_account_change", args=[account.pk])
    assert clerk.get(url).status_code == 200
    missing = clerk.post(url, {"overdraft_limit": "20.00", "adjustment_amount": "15.00", "adjustment_reason": ""})
    assert "Le motif de la régularisation est obligatoire." in missing.content.decode()
    assert account_balance(organisation=org) == Decimal("0.00")
    done = clerk.post(url, {"overdraft_limit": "20.00", "adjustment_amount": "15.00",
                            "adjustment_reason": "Geste commercial"})
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.overdraft_limit == Decimal("20.00") and account.balance == Decimal("15.00")
    entry = LedgerEntry.objects.get()
    assert entry.kind == EntryKind.ADJUSTMENT and entry.reason == "Geste commercial"
    assert entry.created_by == accounting_user


def test_ledger_is_read_only_in_the_admin(clerk, org, buy):
    buy(org, "30.00")
    entry = LedgerEntry.objects.get()
    assert clerk.get(reverse("admin:billing_ledgerentry_changelist")).status_code == 200
    page = clerk.get(reverse("admin:billing_ledgerentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()
    clerk.post(reverse("admin:billing_ledgerentry_change", args=[entry.pk]), {"amount": "999"})
    assert clerk.post(reverse("admin:billing_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert clerk.get(reverse("admin:billing_ledgerentry_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.amount == Decimal("30.00")
    assert not Account.objects.filter(balance__gt=30).exists()


def test_clerk_downloads_a_receipt_from_the_admin(clerk, org, buy, client_for, admin_user):
    buy(org, "30.00")
    receipt = Receipt.objects.get()
    url = reverse("admin:billing_receipt_pdf", args=[receipt.pk])
    response = clerk.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(admin_user).get(url).status_code == 302  # brokers are sent to the admin login
