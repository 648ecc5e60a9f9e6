"""The "Facturation" and "Achat de crédits" pages: content, paging, htmx partials, queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from billing import invoicing
from billing.services import LineItem, account_debit


def fill(org, buy, set_today, *, months: int, debits_per_month: int = 2):
    """Purchases, debits and invoices over ``months`` months before March 2026."""
    for index in range(months):
        year, month = (2025, 3 + index) if index < 10 else (2026, index - 9)
        set_today(date(year, month, 3))
        buy(org, "40.00")
        for n in range(debits_per_month):
            account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key=f"{year}-{month}-{n}",
                          label=f"Lettre {year}-{month}-{n}", on=date(year, month, 3))
        following = date(year + (month == 12), month % 12 + 1, 1)
        invoicing.invoices_issue(period_start=date(year, month, 1), today=following)
    set_today("2026-03-02")


def test_home_shows_the_billing_tile(client_for, admin_user):
    assert f'<a class="tile" href="{reverse("billing:index")}">' in client_for(admin_user).get("/").content.decode()


def test_facturation_page_shows_credit_receipts_invoices_and_history(client_for, admin_user, org, buy, set_today):
    fill(org, buy, set_today, months=2)
    text = client_for(admin_user).get(reverse("billing:index")).content.decode()
    assert "<h1>Facturation</h1>" in text
    # 80 € bought, 4 × 3,78 € used: 64,88 € → 17 LRAR (3,78 €) or 21 without AR (2,97 €)
    assert "Crédit actuel : <strong>64,88\u00a0€</strong> (soit 17 LRAR ou 21 sans accusé de réception)" in text
    for label in ["Numéro de reçu", "Numéro de facture", "Type de facture", "Statut", "Total TTC",
                  "Factures mensuelles de consommations ou de prestations", "Historique du compte"]:
        assert label in text
    assert "R000002" in text and "M000002" in text and "Mensuelle" in text and "Payée" in text
    assert "Lettre 2025-4-1" in text and "-3,78\u00a0€" in text


def test_tables_are_paged_by_ten_with_htmx_partials(client_for, admin_user, org, buy, set_today):
    fill(org, buy, set_today, months=12, debits_per_month=1)
    client = client_for(admin_user)
    first = client.get(reverse("billing:index")).content.decode()
    assert "page 1/2 (12 résultats)" in first  # receipts and invoices
    assert "R000012" in first and "R000002" not in first
    second = client.get(reverse("billing:index"), {"recus": 2}).content.decode()
    assert "R000002" in second and "R000001" in second and "R000012" not in second
    partial = client.get(reverse("billing:index"), {"recus": 2, "table": "recus"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<section id="receipts"') and "<html" not in body
    assert "R000001" in body and "M0000" not in body
    assert 'hx-get="?recus=1&amp;table=recus"' in body


@pytest.mark.parametrize("months", [1, 12])
def test_facturation_page_query_count_does_not_grow(client_for, admin_user, org, buy, set_today,
                                                    django_assert_max_num_queries, months):
    fill(org, buy, set_today, months=months, debits_per_month=3)
    client = client_for(admin_user)
    with django_assert_max_num_queries(12):  # 11, and the credit of the top bar
        response = client.get(reverse("billing:index"))
    assert response.status_code == 200


def test_purchase_page_wording(client_for, admin_user, org, buy):
    buy(org, "30.00")
    text = client_for(admin_user).get(reverse("billing:purchase")).content.decode()
    assert "<h1>Achat de crédits</h1>" in text and "Montant" in text and "30 € TTC" in text
    assert "Acheter des crédits" in text and "Page de facturation" in text
    assert "Crédit actuel : <strong>30,00\u00a0€</strong> (soit 7 LRAR ou 10 sans accusé de réception)" in text
    assert ("Tarifs : Lettre recommandée simple : 2,97\u00a0€ TTC - Lettre recommandée avec accusé de réception : "
            "3,78\u00a0€ TTC.") in text


def test_a_negative_credit_shows_zero_letters(client_for, admin_user, org, accounting_user):
    from billing.services import account_adjust

    account_adjust(organisation=org, amount="-10.00", reason="Régularisation", by=accounting_user,
                   on=date(2026, 3, 2))
    text = client_for(admin_user).get(reverse("billing:index")).content.decode()
    assert "Crédit actuel : <strong>-10,00\u00a0€</strong> (soit 0 LRAR ou 0 sans accusé de réception)" in text
    assert "Régularisation" in text


def test_pdf_downloads(client_for, admin_user, org, buy, set_today):
    fill(org, buy, set_today, months=1)
    client = client_for(admin_user)
    from billing.models import Invoice, Receipt

    receipt, invoice = Receipt.objects.get(), Invoice.objects.get()
    response = client.get(reverse("billing:receipt_pdf", args=[receipt.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="recu-R000001.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert 'filename="facture-M000001.pdf"' in response["Content-Disposition"]
    assert client.get(reverse("billing:invoice_pdf", args=[invoice.pk + 1000])).status_code == 404


def test_a_credit_note_is_listed_as_an_avoir_and_downloaded_as_one(client_for, admin_user, org, buy, set_today):
    from billing.services import account_refund

    fill(org, buy, set_today, months=1)  # March 2025, invoiced on 1 April
    debit = org.billing_account.entries.filter(kind="debit").first()
    set_today("2025-04-10")
    account_refund(debit_entry_id=debit.pk, reason="Lettre non distribuée", on=date(2025, 4, 10))
    [credit_note] = invoicing.invoices_issue(period_start=date(2025, 4, 1), today=date(2025, 5, 1)).issued
    set_today("2026-03-02")
    client = client_for(admin_user)
    text = client.get(reverse("billing:index")).content.decode()
    row = text[text.index("A000001"):]
    row = row[:row.index("</tr>")]
    assert "Avoir" in row and "Recrédité" in row and "3,78\u00a0€" in row
    response = client.get(reverse("billing:invoice_pdf", args=[credit_note.pk]))
    assert 'filename="avoir-A000001.pdf"' in response["Content-Disposition"]
