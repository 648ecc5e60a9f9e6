"""Documents of a paper letter, from the uploaded bytes to the print-ready PDF (SPEC §6).

Pure functions on bytes (no model, no view) returning frozen dataclasses; bad input raises
``portal.errors.ApplicationError`` with a French message (``field="documents"``, or
``"recipient"``/``"sender"`` for an address):

- ``kind_of(content_type)`` → "pdf" | "image" | "office" (``ACCEPTED_TYPES`` for ``check_upload``)
- ``pdf_prepare`` (``pdf.py``), ``image_to_pdf`` (``images.py``), ``office_to_pdf``
  (``office.py``, LibreOffice) → ``ProcessedPdf``: every page A4, the page count;
  ``office_check`` refuses an empty or password-protected office file at once (in the request)
- ``address_detect`` (``address.py``): the recipient in ``WINDOW_MM`` of page 1, text layer or
  Tesseract OCR
- ``address_page_pdf`` and ``print_pdf`` (``printing.py``): the page porte-adresse and the exact
  PDF that is printed, with the QR code of the envelope number
- ``page_images``: PNG pages for the print visual

Debian packages: LibreOffice (writer, calc, impress ``-nogui``), ``tesseract-ocr`` and
``tesseract-ocr-fra`` (``make system-deps``, Dockerfile). ``tools_missing()`` names the ones a
machine lacks.
"""

from __future__ import annotations

from .address import address_detect, tesseract_path
from .images import image_to_pdf
from .kinds import ACCEPTED_TYPES, IMAGE_TYPES, OFFICE_TYPES, PDF_TYPES, kind_of
from .office import office_check, office_to_pdf, soffice_path
from .pdf import page_images, pdf_prepare
from .printing import address_page_pdf, print_pdf
from .values import (
    A4_MM,
    ADDRESS_LINE_MAX_CHARS,
    ADDRESS_LINES_MAX,
    ADDRESS_MIN_TOP_MM,
    QR_SIZE_MM,
    QR_TOP_MM,
    WINDOW_MM,
    DetectedAddress,
    PostalAddress,
    ProcessedPdf,
    WindowArea,
    postal_address_check,
)


def tools_missing() -> list[str]:
    """The programs this machine lacks to process every kind of document (empty when all are
    there): LibreOffice for office files, Tesseract with its French data for scanned addresses."""
    import subprocess

    missing = []
    if soffice_path() is None:
        missing.append("LibreOffice (soffice)")
    tesseract = tesseract_path()
    if tesseract is None:
        missing.append("Tesseract")
    else:
        languages = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, check=False).stdout
        if "fra" not in languages.split():
            missing.append("Tesseract, données françaises (tesseract-ocr-fra)")
    return missing


__all__ = [
    "A4_MM", "ACCEPTED_TYPES", "ADDRESS_LINES_MAX", "ADDRESS_LINE_MAX_CHARS", "ADDRESS_MIN_TOP_MM", "IMAGE_TYPES",
    "OFFICE_TYPES", "PDF_TYPES", "QR_SIZE_MM", "QR_TOP_MM", "WINDOW_MM", "DetectedAddress", "PostalAddress",
    "ProcessedPdf", "WindowArea", "address_detect", "address_page_pdf", "image_to_pdf", "kind_of", "office_check",
    "office_to_pdf",
    "page_images", "pdf_prepare", "postal_address_check", "print_pdf", "tools_missing",
]
