"""Every billing URL × every role × another organisation (SPEC §2, tests/access.py)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from django.urls import reverse

from billing import invoicing, purchases
from billing.models import CreditPurchase, Invoice, Receipt
from billing.payments import SandboxProvider
from billing.services import LineItem, account_debit
from portal import clock
from portal.models import Area
from tests.access import assert_statuses

COVERED_URL_NAMES = {
    "billing:index",
    "billing:purchase",
    "billing:purchase_result",
    "billing:sandbox_payment",
    "billing:payment_callback",
    "billing:receipt_pdf",
    "billing:invoice_pdf",
}


@pytest.fixture
def rows(org, admin_user, buy, set_today):
    """A receipt, an invoice and a pending purchase of the first organisation."""
    set_today("2026-02-10")
    buy(org, "50.00", by=admin_user)
    account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="a", label="A", on=date(2026, 2, 10))
    set_today("2026-03-02")
    invoicing.invoices_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    pending, _ = purchases.credit_purchase_start(organisation=org, amount="30", by=admin_user,
                                                 provider=SandboxProvider(), now=clock.local_now())
    return {
        "receipt": Receipt.objects.get(account__organisation=org),
        "invoice": Invoice.objects.get(account__organisation=org),
        "paid": CreditPurchase.objects.get(account__organisation=org, status="paid"),
        "pending": pending,
    }


def page_urls(rows) -> dict[str, str]:
    return {
        "billing:index": reverse("billing:index"),
        "billing:purchase": reverse("billing:purchase"),
        "billing:purchase_result": reverse("billing:purchase_result", args=[rows["paid"].token]),
        "billing:sandbox_payment": reverse("billing:sandbox_payment", args=[rows["pending"].token]),
        "billing:receipt_pdf": reverse("billing:receipt_pdf", args=[rows["receipt"].pk]),
        "billing:invoice_pdf": reverse("billing:invoice_pdf", args=[rows["invoice"].pk]),
    }


ROW_URLS = {"billing:purchase_result", "billing:sandbox_payment", "billing:receipt_pdf", "billing:invoice_pdf"}


@pytest.fixture
def collaborator_with_billing(collaborator, delegate):
    delegate(collaborator, [], areas=[Area.BILLING])
    return collaborator


@pytest.fixture
def collaborator_without_billing(collaborator, delegate):
    delegate(collaborator, [], areas=[Area.AMIABLE, Area.RESILIATION, Area.COURRIER])
    return collaborator


def test_anonymous_is_sent_to_the_login_page(client, rows):
    results = []
    for name, url in page_urls(rows).items():
        response = client.get(url)
        results.append((name, response.status_code, {302}))
        assert response["Location"] == f"{reverse('login')}?next={quote(url)}"
    assert_statuses(results)


def test_organisation_administrator_opens_every_page(client_for, admin_user, rows):
    client = client_for(admin_user)
    assert_statuses((name, client.get(url).status_code, {200}) for name, url in page_urls(rows).items())


def test_collaborator_with_the_billing_area_opens_every_page(client_for, collaborator_with_billing, rows):
    client = client_for(collaborator_with_billing)
    assert_statuses((name, client.get(url).status_code, {200}) for name, url in page_urls(rows).items())


def test_collaborator_without_the_billing_area_is_refused(client_for, collaborator_without_billing, rows):
    client = client_for(collaborator_without_billing)
    results = [(name, client.get(url).status_code, {403}) for name, url in page_urls(rows).items()]
    results.append(("purchase POST", client.post(reverse("billing:purchase"), {"amount": "30"}).status_code, {403}))
    assert_statuses(results)
    assert CreditPurchase.objects.count() == 2


def test_administrator_of_another_organisation_never_reaches_the_first_ones_rows(client_for, other_admin, rows):
    client = client_for(other_admin)
    results = []
    for name, url in page_urls(rows).items():
        expected = {404} if name in ROW_URLS else {200}
        results.append((name, client.get(url).status_code, expected))
    pending_url = page_urls(rows)["billing:sandbox_payment"]
    results.append(("sandbox POST", client.post(pending_url, {"decline": "1"}).status_code, {404}))
    assert_statuses(results)
    index = client.get(reverse("billing:index")).content.decode()
    assert rows["receipt"].number not in index and rows["invoice"].number not in index
    rows["pending"].refresh_from_db()
    assert rows["pending"].status == "pending"


@pytest.mark.parametrize("who", ["accounting_user", "system_user"])
def test_insurer_staff_and_system_work_in_the_admin_not_these_pages(request, client_for, rows, who):
    client = client_for(request.getfixturevalue(who))
    # The area is checked before any row is looked up: 403 everywhere, never a page or a 404.
    assert_statuses((name, client.get(url).status_code, {403}) for name, url in page_urls(rows).items())


def test_payment_callback_is_authenticated_by_its_signature_only(client_for, admin_user, other_admin, rows):
    """Whoever posts it (the bank, a browser, anyone), only a validly signed notification is
    accepted, once."""
    url = reverse("billing:payment_callback")
    payload, signature = SandboxProvider().notice_for(purchase=rows["pending"], outcome="paid", now=clock.local_now())
    results = []
    for label, client in [("anonymous", client_for(None)), ("other admin", client_for(other_admin)),
                          ("admin", client_for(admin_user))]:
        results.append((f"{label} forged", client.post(url, {"payload": payload, "signature": "f" * 64}).status_code,
                        {403}))
    results.append(("anonymous GET", client_for(None).get(url).status_code, {405}))
    results.append(("anonymous signed", client_for(None).post(url, {"payload": payload, "signature": signature})
                    .status_code, {303}))
    results.append(("other admin replay", client_for(other_admin).post(url, {"payload": payload,
                                                                             "signature": signature}).status_code,
                    {409}))
    assert_statuses(results)
    rows["pending"].refresh_from_db()
    assert rows["pending"].status == "paid"
