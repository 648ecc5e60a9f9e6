"""The address page (page porte-adresse) and the print-ready PDF with its QR code."""

from __future__ import annotations

from collections.abc import Sequence

import segno
from pypdf import PdfWriter

from .address import address_detect
from .pdf import frame_of, page_fit_a4, page_wrap_contents, pdf_check, pdf_reader, writer_bytes
from .values import (
    A4_POINTS,
    ADDRESS_MIN_TOP_MM,
    POINTS_PER_MM,
    QR_LEFT_MM,
    QR_SIZE_MM,
    QR_TOP_MM,
    WINDOW_MM,
    PostalAddress,
    ProcessedPdf,
    postal_address_check,
    refuse,
)

# The address page's recipient: its first line just under the QR code, aligned with it.
ADDRESS_PAGE_TOP_MM = ADDRESS_MIN_TOP_MM + 3
ADDRESS_PAGE_LEFT_MM = QR_LEFT_MM
QR_QUIET_ZONE_MODULES = 2


def address_page_pdf(*, recipient: PostalAddress, sender: PostalAddress | None,
                     letterhead_lines: Sequence[str]) -> bytes:
    """One A4 page: the letterhead lines (then the sender, when there is one) at the top left,
    the recipient in the envelope window under the room left for the QR code (``print_pdf``
    draws it). Rendered by WeasyPrint: never inside a database transaction (``portal.pdf``)."""
    from portal.pdf import pdf_render  # Django templates: imported when used

    postal_address_check(recipient, field="recipient")
    if sender is not None:
        postal_address_check(sender, field="sender")
    return pdf_render(template_name="courrier/address_page.html", context={
        "recipient_lines": recipient.lines,
        "sender_lines": sender.lines if sender is not None else (),
        "letterhead_lines": [line for line in letterhead_lines if line.strip()],
        "window": WINDOW_MM,
        "recipient_top_mm": ADDRESS_PAGE_TOP_MM,
        "recipient_left_mm": ADDRESS_PAGE_LEFT_MM,
        "recipient_width_mm": WINDOW_MM.x1 - ADDRESS_PAGE_LEFT_MM - 5,
    })


def print_pdf(*, parts: Sequence[bytes], envelope_number: str, duplex: bool,
              first_line_top_mm: float | None = None) -> ProcessedPdf:
    """The exact PDF that is printed: ``parts`` in order (the address page first when there is
    one, then the documents), every page A4, and a QR code carrying ``envelope_number`` at the
    top of the envelope window of page 1.

    Duplex: a blank page follows every part with an odd page count, the last one included, so
    that each document (and the address page) starts on a sheet of its own and the PDF has
    exactly two pages per sheet; the printer prints it as it is.

    The seed's rule: « la première ligne des coordonnées du destinataire doit se trouver sous
    ce symbole QR code ». An address of page 1 starting above ``ADDRESS_MIN_TOP_MM`` (the QR
    code's bottom, ~56 mm from the top of the page) is refused with a message saying so and
    what to do. ``first_line_top_mm`` is where it starts (``DetectedAddress.first_line_top_mm``,
    known when the address was detected); ``None``: page 1 is read again here
    (``address_detect``: text layer, or OCR for a scan; an address page passes: its recipient
    starts under the code).
    """
    if not parts:
        raise refuse("Ajoutez au moins un document.")
    if not envelope_number.strip():
        raise ValueError("print_pdf needs the envelope number carried by the QR code")
    if first_line_top_mm is not None:
        address_below_qr_check(first_line_top_mm)
    writer = PdfWriter()
    for part in parts:
        reader = pdf_reader(pdf_check(part))
        for page in reader.pages:
            page_fit_a4(writer, writer.add_page(page))
        if duplex and len(reader.pages) % 2:
            writer.add_blank_page(*A4_POINTS)
    first = writer.pages[0]
    frame = frame_of(first)
    width_mm, height_mm = frame.display_size_mm
    if width_mm > height_mm:
        raise refuse("La première page doit être au format portrait : c'est elle qui porte l'adresse dans la "
                     "fenêtre de l'enveloppe.")
    if first_line_top_mm is None:
        single = PdfWriter()
        single.add_page(first)
        found = address_detect(writer_bytes(single))
        if found is not None:
            address_below_qr_check(found.first_line_top_mm)
    page_wrap_contents(writer, first, before=b"q\n", after=b"\nQ\n" + qr_drawing(frame, envelope_number))
    return ProcessedPdf(pdf=writer_bytes(writer), pages=len(writer.pages))


def address_below_qr_check(first_line_top_mm: float) -> None:
    if first_line_top_mm < ADDRESS_MIN_TOP_MM:
        raise refuse(
            f"L'adresse du destinataire commence trop haut dans la fenêtre de l'enveloppe ({first_line_top_mm:.0f} mm "
            f"du haut de la page) : la première ligne des coordonnées du destinataire doit se trouver sous le "
            f"QR code, à au moins {ADDRESS_MIN_TOP_MM:.0f} mm du haut de la page. Descendez l'adresse dans votre "
            "document, ou saisissez l'adresse du destinataire pour ajouter une page porte-adresse.")


def qr_drawing(frame, envelope_number: str) -> bytes:
    """PDF drawing operators of the QR code (vector modules on a white quiet zone), placed at
    ``QR_LEFT_MM`` × ``QR_TOP_MM`` of the page as printed, ``QR_SIZE_MM`` square."""
    matrix = segno.make_qr(envelope_number, error="m").matrix
    modules = len(matrix) + 2 * QR_QUIET_ZONE_MODULES
    size = QR_SIZE_MM * POINTS_PER_MM
    module = size / modules
    left, top = QR_LEFT_MM * POINTS_PER_MM, QR_TOP_MM * POINTS_PER_MM

    def rect(dx: float, dy: float, width: float, height: float) -> str:
        x, y, w, h = frame.display_rect_to_user(dx, dy, width, height)
        return f"{x:.3f} {y:.3f} {w:.3f} {h:.3f} re"

    operators = ["q", "1 g", rect(left, top, size, size), "f", "0 g"]
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            operators.append(rect(left + (QR_QUIET_ZONE_MODULES + start) * module,
                                  top + (QR_QUIET_ZONE_MODULES + row_index) * module,
                                  (column - start) * module, module))
    operators += ["f", "Q"]
    return "\n".join(operators).encode() + b"\n"
