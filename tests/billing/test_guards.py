"""The database itself refuses to change the ledger and issued documents (migrations 0002, 0004)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing import invoicing
from billing.documents import invoice_document_ensure, receipt_document_ensure
from billing.models import Invoice, InvoiceLine, LedgerEntry, LedgerLine, Receipt
from billing.services import LineItem, account_debit
from portal.pdf import document_store


def refused(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def ledger(org, buy, set_today):
    set_today("2026-02-10")
    buy(org, "50.00")
    debit = account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key="g", label="L",
                          on=date(2026, 2, 10))
    set_today("2026-03-02")
    [invoice] = invoicing.invoice_issue(account=debit.account, period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    return debit, invoice


def test_ledger_rows_cannot_be_updated(ledger):
    debit, _ = ledger
    assert refused(lambda: LedgerEntry.objects.filter(pk=debit.pk).update(amount=Decimal("-0.01")))
    assert refused(lambda: LedgerEntry.objects.filter(pk=debit.pk).update(label="autre"))
    assert refused(lambda: LedgerLine.objects.filter(entry=debit).update(quantity=5))
    debit.refresh_from_db()
    assert debit.amount == Decimal("-3.78") and debit.label == "L"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE triggers exist on PostgreSQL only")
@pytest.mark.postgres
def test_ledger_rows_and_issued_documents_cannot_be_deleted(ledger):
    debit, invoice = ledger
    assert refused(lambda: LedgerLine.objects.filter(entry=debit)._raw_delete(connection.alias))
    assert refused(lambda: LedgerEntry.objects.filter(pk=debit.pk)._raw_delete(connection.alias))
    assert refused(lambda: InvoiceLine.objects.filter(invoice=invoice)._raw_delete(connection.alias))
    assert refused(lambda: Invoice.objects.filter(pk=invoice.pk)._raw_delete(connection.alias))
    assert refused(lambda: Receipt.objects.all()._raw_delete(connection.alias))
    assert LedgerEntry.objects.filter(pk=debit.pk).exists() and Invoice.objects.filter(pk=invoice.pk).exists()


def test_issued_invoice_and_receipt_never_change(ledger):
    _, invoice = ledger
    receipt = Receipt.objects.get()
    assert refused(lambda: Invoice.objects.filter(pk=invoice.pk).update(total_tax=Decimal("0")))
    assert refused(lambda: Receipt.objects.filter(pk=receipt.pk).update(amount=Decimal("1")))
    assert refused(lambda: InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("0")))
    # …nor what they say of the parties, nor their kind, nor a line's VAT (migration 0004)
    assert refused(lambda: Invoice.objects.filter(pk=invoice.pk).update(snapshot={"buyer": {"name": "Autre"}}))
    assert refused(lambda: Invoice.objects.filter(pk=invoice.pk).update(kind="credit_note"))
    assert refused(lambda: Receipt.objects.filter(pk=receipt.pk).update(snapshot={}))
    assert refused(lambda: InvoiceLine.objects.filter(invoice=invoice).update(tax_amount=Decimal("0")))
    # Attaching the PDF once is the only change accepted…
    pdf = invoice_document_ensure(invoice_id=invoice.pk)
    receipt_document_ensure(receipt_id=receipt.pk)
    other = document_store(content=b"%PDF-1.4 forged", name="x.pdf", content_type="application/pdf")
    # …and it cannot be replaced afterwards, nor combined with another change.
    assert refused(lambda: Invoice.objects.filter(pk=invoice.pk).update(document=other))
    assert refused(lambda: Receipt.objects.filter(pk=receipt.pk).update(document=None))
    invoice.refresh_from_db()
    assert invoice.document_id == pdf.pk and invoice.total_tax == Decimal("0.63")
