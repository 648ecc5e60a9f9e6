"""The PDF of an issued commission statement (WeasyPrint), rendered once, outside any
transaction, from the statement's own rows (its lines and snapshot): an organisation renamed
after issue changes nothing of a statement already issued.

``statement_document_ensure`` renders the PDF if the statement has none yet, stores it (SHA-256)
and attaches it with a conditional UPDATE; the Celery task calls it after commit, the download
view too (so the PDF is there even before a worker got to it).
"""

from __future__ import annotations

from django.db import transaction

from commissions.models import LineKind, Statement
from commissions.rules import ZERO
from portal.formatting import MONTHS
from portal.models import StoredDocument
from portal.pdf import document_store, pdf_render


def month_label(day) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def statement_context(statement: Statement) -> dict:
    organisation = statement.snapshot["organisation"]
    lines = list(statement.lines.order_by("kind", "paid_on", "policy_number", "id"))
    groups = []
    for kind in LineKind:
        rows = [line for line in lines if line.kind == kind]
        if rows:
            groups.append({"label": kind.label, "lines": rows,
                           "premium": sum((line.premium for line in rows), ZERO),
                           "commission": sum((line.commission for line in rows), ZERO)})
    return {
        "statement": statement, "groups": groups, "organisation": organisation,
        "month": month_label(statement.period_start),
        "recipient_lines": [organisation["trade_name"] or organisation["name"], *organisation["address"]],
        "letter_date": statement.issued_on,
    }


def _attach(*, pk: int, content: bytes, name: str) -> StoredDocument:
    with transaction.atomic():
        document = document_store(content=content, name=name, content_type="application/pdf")
        if Statement.objects.filter(pk=pk, document__isnull=True).update(document=document):
            return document
        document.file.delete(save=False)
        transaction.set_rollback(True)
    return Statement.objects.select_related("document").get(pk=pk).document


def statement_filename(statement: Statement, extension: str) -> str:
    return f"releve-commissions-{statement.number}.{extension}"


def statement_document_ensure(*, statement_id: int) -> StoredDocument:
    statement = Statement.objects.select_related("document").get(pk=statement_id)
    if statement.document is not None:
        return statement.document
    content = pdf_render(template_name="commissions/pdf/statement.html", context=statement_context(statement))
    return _attach(pk=statement.pk, content=content, name=statement_filename(statement, "pdf"))
