"""PDF rendering with WeasyPrint and storage of issued documents with their SHA-256.

Rendering takes tens of milliseconds per page: it must never run inside a database
transaction (it would hold locks that long). ``pdf_render`` refuses to, so a caller that
forgets is caught by the tests; Celery tasks render first, then store in a short transaction.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.template.loader import render_to_string

from portal import uploads
from portal.models import StoredDocument


class RenderingInTransactionError(RuntimeError):
    pass


def in_business_transaction() -> bool:
    """True inside an ``atomic`` block other than the ones a Django TestCase wraps tests in."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def html_render(*, template_name: str, context: dict) -> str:
    base = {
        "insurer_name": settings.PORTAL_INSURER_NAME,
        "insurer_address": settings.PORTAL_INSURER_ADDRESS,
    }
    return render_to_string(template_name, {**base, **context})


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: it loads Pango and HarfBuzz

    if in_business_transaction():
        raise RenderingInTransactionError("Un PDF ne se génère jamais dans une transaction.")
    return HTML(string=html, base_url=str(Path(settings.BASE_DIR) / "static")).write_pdf()


def pdf_render(*, template_name: str, context: dict) -> bytes:
    return pdf_from_html(html_render(template_name=template_name, context=context))


def blank_pdf(*, pages: int = 1) -> bytes:
    """A real A4 PDF of blank pages, for demo data (uploads are opened: a fake PDF is refused)."""
    import io

    from pypdf import PdfWriter

    writer, buffer = PdfWriter(), io.BytesIO()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.write(buffer)
    return buffer.getvalue()


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def document_store(*, content: bytes, name: str, content_type: str) -> StoredDocument:
    """Keep a file as it is, with its size and SHA-256, under ``uploads.stored_name`` (the
    extension of its type, never the one it came with)."""
    name = uploads.stored_name(name, content_type)
    document = StoredDocument(
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=sha256_hex(content),
    )
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def document_bytes(document: StoredDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()
