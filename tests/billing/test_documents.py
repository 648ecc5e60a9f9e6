"""Receipt and invoice PDFs: their text (read with pypdf), rendered once, never in a
transaction."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import transaction
from pypdf import PdfReader

from billing import invoicing
from billing.documents import invoice_document_ensure, receipt_document_ensure
from billing.models import Receipt
from billing.services import LineItem, account_debit
from portal.pdf import RenderingInTransactionError, document_bytes, sha256_hex


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def test_receipt_pdf_states_the_payment(org, buy, set_today):
    set_today("2026-02-10")
    purchase = buy(org, "200.00")
    receipt = Receipt.objects.get(purchase=purchase)
    document = receipt_document_ensure(receipt_id=receipt.pk)
    content = document_bytes(document)
    text = pdf_text(content)
    assert "Reçu n° R000001" in text
    assert "Cabinet Un SARL" in text and "N° ORIAS 07000001" in text
    assert "Achat de crédits (timbres électroniques)" in text and "10/02/2026" in text
    assert "200,00 € TTC" in text and purchase.provider_reference in text
    assert "il ne constitue pas une facture" in text
    assert document.sha256 == sha256_hex(content) and document.content_type == "application/pdf"


def _money(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def february_invoice(org, buy, set_today):
    set_today("2026-02-03")
    buy(org, "100.00")
    account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement", 3)], idempotency_key="a", label="A", on=date(2026, 2, 3))
    account_debit(organisation=org, items=[LineItem("identity_check")], idempotency_key="b", label="B",
                  on=date(2026, 2, 4))
    account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="c", label="C", on=date(2026, 2, 5))
    set_today("2026-03-01")
    return invoicing.invoices_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 1)).issued[0]


def test_invoice_pdf_has_the_legal_mentions_of_a_french_invoice(february_invoice, settings):
    text = _money(pdf_text(document_bytes(invoice_document_ensure(invoice_id=february_invoice.pk))))
    assert "Facture mensuelle n° M000001" in text
    assert "Date d'émission : 01/03/2026" in text and "1er mars 2026" in text
    assert "Période de la prestation : du 01/02/2026 au 28/02/2026" in text
    # the seller: name, legal form, address, SIREN, RCS, VAT number (settings of the insurer)
    assert settings.PORTAL_INSURER_NAME in text and settings.PORTAL_INSURER_LEGAL_FORM in text
    assert all(line in text for line in settings.PORTAL_INSURER_ADDRESS)
    assert f"SIREN {settings.PORTAL_INSURER_SIREN}" in text and settings.PORTAL_INSURER_RCS in text
    assert f"N° TVA intracommunautaire : {settings.PORTAL_INSURER_VAT_NUMBER}" in text
    # the buyer: name and address
    assert "Cabinet Un SARL 1 rue des Fleurs 38000 Grenoble" in text  # in the envelope's window
    assert "Client : Cabinet Un SARL · N° ORIAS 07000001" in text
    # per line: designation, quantity, unit price HT, VAT rate, VAT amount, total HT
    assert "Désignation Quantité Prix unitaire HT Taux de TVA Montant TVA Total HT" in text
    assert "Lettre recommandée électronique avec accusé de réception 3 3,15 € 20 % 1,89 € 9,45 €" in text
    assert "Vérification d'identité (eIDAS) 1 12,00 € 20 % 2,40 € 12,00 €" in text
    assert "Lettre recommandée électronique sans accusé de réception 1 2,475 € 20 % 0,49 € 2,48 €" in text
    assert "Total HT 23,93 €" in text and "TVA 20 % 4,78 €" in text and "Total TTC 28,71 €" in text
    # payment terms of prepaid credits
    assert "facture acquittée" in text and "crédit prépayé" in text and "Pas d'escompte" in text
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in text


def test_a_credit_note_pdf_names_the_invoice_it_corrects(org, buy, set_today):
    from billing.models import Invoice
    from billing.services import account_refund

    set_today("2026-01-20")
    buy(org, "30.00")
    debit = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="jan", label="J",
                          on=date(2026, 1, 20))
    set_today("2026-02-01")
    [january] = invoicing.invoices_issue(period_start=date(2026, 1, 1), today=date(2026, 2, 1)).issued
    set_today("2026-02-12")
    account_refund(debit_entry_id=debit.pk, reason="Annulé", on=date(2026, 2, 12))
    set_today("2026-03-01")
    [credit_note] = invoicing.invoices_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 1)).issued
    text = _money(pdf_text(document_bytes(invoice_document_ensure(invoice_id=credit_note.pk))))
    assert "Avoir n° A000001" in text and "Facture mensuelle" not in text
    assert f"avoir sur la facture n° {january.number} du 01/02/2026 (consommations de janvier 2026)" in text
    assert "Lettre recommandée électronique sans accusé de réception 1 2,475 € 20 % 0,49 € 2,48 €" in text
    assert "Total TTC de l'avoir 2,97 €" in text and "-2,97" not in text
    assert "recrédité sur votre crédit prépayé" in text
    assert Invoice.objects.get(pk=credit_note.pk).document.original_name == "avoir-A000001.pdf"


def _rename_everything(org, settings):
    type(org).objects.filter(pk=org.pk).update(name="Nouveau Nom SAS", address_line1="9 avenue Neuve",
                                               siren="123456789")
    settings.PORTAL_INSURER_NAME = "Autre Assureur"
    settings.PORTAL_INSURER_ADDRESS = ["1 place Ailleurs", "75001 Paris"]
    settings.PORTAL_INSURER_SIREN = "111111118"
    settings.PORTAL_INSURER_VAT_NUMBER = "FR00111111118"


def test_documents_say_what_was_issued_whatever_changed_before_they_were_rendered(org, buy, february_invoice,
                                                                                  settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    receipt = Receipt.objects.get()
    issued_seller = (settings.PORTAL_INSURER_NAME, settings.PORTAL_INSURER_SIREN, settings.PORTAL_INSURER_VAT_NUMBER)
    _rename_everything(org, settings)
    with CaptureQueriesContext(connection) as queries:
        texts = [_money(pdf_text(document_bytes(invoice_document_ensure(invoice_id=february_invoice.pk)))),
                 _money(pdf_text(document_bytes(receipt_document_ensure(receipt_id=receipt.pk))))]
    for text in texts:
        assert "Cabinet Un SARL" in text and "1 rue des Fleurs" in text
        assert all(value in text for value in issued_seller)
        for changed in ("Nouveau Nom", "9 avenue Neuve", "123456789", "Autre Assureur", "Ailleurs",
                        "111111118"):
            assert changed not in text
    assert "portal_organisation" not in " ".join(query["sql"] for query in queries.captured_queries)


def test_a_document_is_rendered_once(org, buy):
    purchase = buy(org, "30.00")
    receipt = Receipt.objects.get(purchase=purchase)
    first = receipt_document_ensure(receipt_id=receipt.pk)
    second = receipt_document_ensure(receipt_id=receipt.pk)
    assert first.pk == second.pk
    receipt.refresh_from_db()
    assert receipt.document_id == first.pk


def test_pdfs_are_never_rendered_inside_a_transaction(org, buy):
    purchase = buy(org, "30.00")
    receipt = Receipt.objects.get(purchase=purchase)
    with pytest.raises(RenderingInTransactionError), transaction.atomic():
        receipt_document_ensure(receipt_id=receipt.pk)
    receipt.refresh_from_db()
    assert receipt.document_id is None


def test_render_tasks_render_once(org, buy):
    from billing import tasks

    purchase = buy(org, "30.00")
    receipt = Receipt.objects.get(purchase=purchase)
    first = tasks.receipt_render_task(receipt.pk)  # the task body, called directly (no eager mode)
    assert tasks.receipt_render_task(receipt.pk) == first
    receipt.refresh_from_db()
    assert receipt.document_id == first
