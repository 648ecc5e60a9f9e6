"""PDFs of receipts and invoices (WeasyPrint), rendered once, outside any transaction.

``receipt_document_ensure`` / ``invoice_document_ensure`` render the PDF if the row has none
yet, store it (SHA-256) and attach it with a conditional UPDATE, the only change the database
accepts on an issued document. Celery tasks call them after commit; the download views call
them too, so a PDF is available even before a worker got to it. An issued row never changes,
so rendering later gives the document as issued.
"""

from __future__ import annotations

from django.db import transaction

from billing.models import Invoice, Receipt
from portal.models import StoredDocument
from portal.pdf import document_store, pdf_render


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
    receipt = Receipt.objects.select_related("document", "purchase", "account__organisation").get(pk=receipt_id)
    if receipt.document is not None:
        return receipt.document
    content = pdf_render(
        template_name="billing/pdf/receipt.html",
        context={"receipt": receipt, "purchase": receipt.purchase, "organisation": receipt.account.organisation,
                 "letter_date": receipt.issued_on, "recipient_lines": _recipient(receipt.account.organisation)},
    )
    return _attach(Receipt, pk=receipt.pk, content=content, name=f"recu-{receipt.number}.pdf")


def invoice_document_ensure(*, invoice_id: int) -> StoredDocument:
    invoice = Invoice.objects.select_related("document", "account__organisation").get(pk=invoice_id)
    if invoice.document is not None:
        return invoice.document
    content = pdf_render(
        template_name="billing/pdf/invoice.html",
        context={"invoice": invoice, "lines": list(invoice.lines.all()), "organisation": invoice.account.organisation,
                 "letter_date": invoice.issued_on, "recipient_lines": _recipient(invoice.account.organisation)},
    )
    return _attach(Invoice, pk=invoice.pk, content=content, name=f"facture-{invoice.number}.pdf")


def _recipient(organisation) -> list[str]:
    return [organisation.name, *organisation.address_lines]
