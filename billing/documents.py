"""What receipts and invoices say, and their PDFs (WeasyPrint), rendered once, outside any
transaction.

Everything a document says is captured when it is issued: its own columns and lines, and its
``snapshot`` — the seller's identity (the insurer's settings: name, legal form, address,
SIREN, RCS, VAT number), the buyer's (the organisation's name, address, SIREN, ORIAS) and,
for a receipt, the payment; for a credit note, the invoices it corrects. ``seller_identity``
and ``buyer_identity`` are called by the services that issue them. The renderers read the
document's rows only: an organisation renamed, or a setting changed, after issue changes
nothing of a document already issued.

``receipt_document_ensure`` / ``invoice_document_ensure`` render the PDF if the row has none
yet, store it (SHA-256) and attach it with a conditional UPDATE, the only change the database
accepts on an issued document. Celery tasks call them after commit; the download views call
them too, so a PDF is available even before a worker got to it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from billing.models import Invoice, InvoiceKind, Receipt
from portal.formatting import MONTHS, NBSP
from portal.models import Organisation, StoredDocument
from portal.pdf import document_store, pdf_render


def seller_identity() -> dict:
    """The insurer as the seller, from the settings of the day (frozen on each document)."""
    return {
        "name": settings.PORTAL_INSURER_NAME,
        "legal_form": settings.PORTAL_INSURER_LEGAL_FORM,
        "address": list(settings.PORTAL_INSURER_ADDRESS),
        "siren": settings.PORTAL_INSURER_SIREN,
        "rcs": settings.PORTAL_INSURER_RCS,
        "vat_number": settings.PORTAL_INSURER_VAT_NUMBER,
    }


def buyer_identity(organisation: Organisation) -> dict:
    """The organisation as the buyer, as it is when the document is issued."""
    return {
        "name": organisation.name,
        "address": organisation.address_lines,
        "siren": organisation.siren,
        "orias": organisation.orias,
    }


def unit_price_text(value: Decimal) -> str:
    """A unit price excluding VAT, to the hundredth of a cent when it needs it: ``2,475 €``."""
    text = f"{value.quantize(Decimal('0.0001')):.4f}".rstrip("0")
    units, decimals = text.split(".")
    return f"{units},{decimals.ljust(2, '0')}{NBSP}€"


def month_text(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _parties(snapshot: dict, *, issued_on: date) -> dict:
    seller, buyer = snapshot["seller"], snapshot["buyer"]
    return {
        "seller": seller,
        "buyer": buyer,
        # the letterhead, sender block and window of ``pdf/letter_base.html``
        "insurer_name": seller["name"],
        "insurer_address": seller["address"],
        "recipient_lines": [buyer["name"], *buyer["address"]],
        "letter_date": issued_on,
    }


def receipt_context(receipt: Receipt) -> dict:
    """What the receipt says: its row and snapshot only."""
    return {"receipt": receipt, "payment": receipt.snapshot["payment"],
            **_parties(receipt.snapshot, issued_on=receipt.issued_on)}


def invoice_context(invoice: Invoice) -> dict:
    """What the invoice or credit note says: its row, lines and snapshot only."""
    lines = [
        {"line": line, "unit_price_excluding_tax": unit_price_text(line.unit_price_excluding_tax)}
        for line in invoice.lines.all()
    ]
    corrects = [
        {"number": item["number"], "issued_on": date.fromisoformat(item["issued_on"]) if item["issued_on"] else None,
         "month": month_text(date.fromisoformat(item["period_start"]))}
        for item in invoice.snapshot.get("corrects", [])
    ]
    return {"invoice": invoice, "lines": lines, "credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
            "corrects": corrects, **_parties(invoice.snapshot, issued_on=invoice.issued_on)}


def _attach(model, *, pk: int, content: bytes, name: str) -> StoredDocument:
    with transaction.atomic():
        document = document_store(content=content, name=name, content_type="application/pdf")
        attached = model.objects.filter(pk=pk, document__isnull=True).update(document=document)
        if attached:
            return document
        document.file.delete(save=False)
        transaction.set_rollback(True)
    return model.objects.select_related("document").get(pk=pk).document


def receipt_document_ensure(*, receipt_id: int) -> StoredDocument:
    receipt = Receipt.objects.select_related("document").get(pk=receipt_id)
    if receipt.document is not None:
        return receipt.document
    content = pdf_render(template_name="billing/pdf/receipt.html", context=receipt_context(receipt))
    return _attach(Receipt, pk=receipt.pk, content=content, name=f"recu-{receipt.number}.pdf")


def invoice_document_ensure(*, invoice_id: int) -> StoredDocument:
    invoice = Invoice.objects.select_related("document").get(pk=invoice_id)
    if invoice.document is not None:
        return invoice.document
    content = pdf_render(template_name="billing/pdf/invoice.html", context=invoice_context(invoice))
    prefix = "avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "facture"
    return _attach(Invoice, pk=invoice.pk, content=content, name=f"{prefix}-{invoice.number}.pdf")
