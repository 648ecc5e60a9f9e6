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


def test_invoice_pdf_has_its_lines_and_ht_tva_ttc(org, buy, set_today):
    set_today("2026-02-03")
    buy(org, "100.00")
    account_debit(organisation=org, items=[LineItem("lre_ar", 3)], idempotency_key="a", label="A", on=date(2026, 2, 3))
    account_debit(organisation=org, items=[LineItem("identity_check")], idempotency_key="b", label="B",
                  on=date(2026, 2, 4))
    set_today("2026-03-01")
    invoice = invoicing.invoices_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 1)).issued[0]
    text = pdf_text(document_bytes(invoice_document_ensure(invoice_id=invoice.pk)))
    assert "Facture mensuelle n° M000001" in text
    assert "Période : du 01/02/2026 au 28/02/2026" in text
    assert "Lettre recommandée électronique avec accusé de réception 3 3,78 € 11,34 €" in text
    assert "Vérification d'identité (eIDAS) 1 14,40 € 14,40 €" in text
    assert "Total HT 21,45 €" in text and "TVA 20 % 4,29 €" in text and "Total TTC 25,74 €" in text
    assert "1er mars 2026" in text


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
