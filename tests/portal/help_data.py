"""Files for the help-request tests, made here with their real formats (libmagic reads them)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name: str = "justificatif.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "capture.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def docx(name: str = "courrier.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def lying_pdf(name: str = "facture.pdf") -> SimpleUploadedFile:
    """An HTML page named .pdf, sent as application/pdf."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="application/pdf")


def oversized(name: str = "gros.pdf", size: int = 10 * 1024 * 1024 + 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + b"0" * (size - len(PDF)), content_type="application/pdf")
