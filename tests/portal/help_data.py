"""Files for the help-request tests, made here with their real formats (libmagic reads them)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.files import PDF_BYTES as PDF
from tests.files import sample  # a real PDF: uploads are opened with pypdf


def pdf(name: str = "justificatif.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "capture.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def docx(name: str = "courrier.docx") -> SimpleUploadedFile:
    """A Word document saved by LibreOffice (the upload check opens the container)."""
    return SimpleUploadedFile(name, sample("lettre.docx"))


def lying_pdf(name: str = "facture.pdf") -> SimpleUploadedFile:
    """An HTML page named .pdf, sent as application/pdf."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="application/pdf")


def oversized(name: str = "gros.pdf", size: int = 10 * 1024 * 1024 + 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + b"0" * (size - len(PDF)), content_type="application/pdf")
