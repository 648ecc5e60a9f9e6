"""courrier.processing: the address page and the print-ready PDF with its QR code."""

from __future__ import annotations

import io

import pypdf
import pypdfium2 as pdfium
import pytest
import segno
from PIL import Image

from courrier import processing
from courrier.processing.values import QR_LEFT_MM
from portal.errors import ApplicationError
from tests.courrier.fixtures.documents import ADDRESS, MM, letter_pdf, pdf_pages

WINDOW = processing.WINDOW_MM
A4 = (210 * MM, 297 * MM)
RECIPIENT = processing.PostalAddress(name="SARL DUPOND", address_lines=("Service courrier", "1 RUE DES FLEURS"),
                                     postal_code="38000", city="GRENOBLE")
SENDER = processing.PostalAddress(name="Cabinet Un SARL", address_lines=("1 rue des Fleurs",),
                                  postal_code="38000", city="Grenoble")
DPI = 600
QR_QUIET_MODULES = 2


def rendered_page(pdf: bytes, index: int = 0) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[index].render(scale=DPI / 72).to_pil().convert("L")
    finally:
        document.close()


def qr_as_printed(page: Image.Image, modules: int) -> list[list[bool]]:
    """The dark/light module grid read at the QR code's place on a page rendered at ``DPI``."""
    size_px = processing.QR_SIZE_MM / 25.4 * DPI
    module_px = size_px / (modules + 2 * QR_QUIET_MODULES)
    left_px, top_px = QR_LEFT_MM / 25.4 * DPI, processing.QR_TOP_MM / 25.4 * DPI
    return [[page.getpixel((round(left_px + (QR_QUIET_MODULES + column + 0.5) * module_px),
                            round(top_px + (QR_QUIET_MODULES + row + 0.5) * module_px))) < 128
             for column in range(modules)] for row in range(modules)]


def expected_qr(number: str) -> list[list[bool]]:
    return [[bool(bit) for bit in row] for row in segno.make_qr(number, error="m").matrix]


def text_tops_mm(pdf: bytes, index: int = 0) -> dict[str, tuple[float, float]]:
    """(left, top) in mm of each text line of a page."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index]
        textpage = page.get_textpage()
        height = page.get_height()
        found = {}
        for rect_index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(rect_index)
            text = textpage.get_text_bounded(left, bottom, right, top).strip()
            found.setdefault(text, (left / MM, (height - top) / MM))
        return found
    finally:
        document.close()


@pytest.fixture(scope="module")
def address_page():
    return processing.address_page_pdf(recipient=RECIPIENT, sender=SENDER,
                                       letterhead_lines=["Cabinet Un SARL", "Courtier en assurances — ORIAS 07000001"])


def test_the_address_page_puts_the_recipient_in_the_window_under_the_qr_code(address_page):
    reader = pypdf.PdfReader(io.BytesIO(address_page))
    [page] = reader.pages
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (210, 297)
    positions = text_tops_mm(address_page)
    for line in RECIPIENT.lines:
        left, top = positions[line]
        assert WINDOW.contains(left, top) and top >= processing.ADDRESS_MIN_TOP_MM, (line, left, top)
    # Its own detection reads the recipient back, below the room of the QR code.
    found = processing.address_detect(address_page)
    assert found.lines == RECIPIENT.lines
    assert found.first_line_top_mm >= processing.ADDRESS_MIN_TOP_MM


def test_the_address_page_has_the_letterhead_and_the_sender_at_the_top_left(address_page):
    positions = text_tops_mm(address_page)
    for line in ("Cabinet Un SARL", "Courtier en assurances — ORIAS 07000001", "1 rue des Fleurs", "38000 Grenoble"):
        left, top = positions[line]
        assert left < WINDOW.x0 and top < WINDOW.y1, (line, left, top)
    assert positions["Cabinet Un SARL"][1] < 25


@pytest.mark.parametrize(("recipient", "message"), [
    (processing.PostalAddress("", ("1 rue",), "38000", "GRENOBLE"), "nom"),
    (processing.PostalAddress("Nom", (), "38000", "GRENOBLE"), "de 1 à 4 lignes"),
    (processing.PostalAddress("Nom", ("a", "b", "c", "d", "e"), "38000", "GRENOBLE"), "de 1 à 4 lignes"),
    (processing.PostalAddress("Nom", ("x" * 39,), "38000", "GRENOBLE"), "dépasse 38 caractères"),
    (processing.PostalAddress("Nom", ("1 rue",), "3800", "GRENOBLE"), "5 chiffres"),
    (processing.PostalAddress("Nom", ("1 rue",), "38000", " "), "ville"),
])
def test_an_address_that_would_not_fit_the_window_is_refused(recipient, message):
    with pytest.raises(ApplicationError, match=message) as raised:
        processing.address_page_pdf(recipient=recipient, sender=None, letterhead_lines=[])
    assert raised.value.field == "recipient"


def test_the_print_pdf_puts_the_parts_in_order_with_the_qr_code_on_page_one(address_page):
    document = pdf_pages({"size": A4, "texts": [(72, 700, 12, "Document page 1")]},
                         {"size": A4, "texts": [(72, 700, 12, "Document page 2")]})
    printed = processing.print_pdf(parts=[address_page, document], envelope_number="CP-2026-000042", duplex=False)
    assert printed.pages == 3
    reader = pypdf.PdfReader(io.BytesIO(printed.pdf))
    assert "SARL DUPOND" in reader.pages[0].extract_text()
    assert [page.extract_text().strip() for page in reader.pages[1:]] == ["Document page 1", "Document page 2"]
    expected = expected_qr("CP-2026-000042")
    assert qr_as_printed(rendered_page(printed.pdf), len(expected)) == expected
    # The QR code sits at the top of the window, above the first line of the address.
    found = processing.address_detect(printed.pdf)
    assert found.lines == RECIPIENT.lines
    assert WINDOW.y0 <= processing.QR_TOP_MM < processing.QR_TOP_MM + processing.QR_SIZE_MM < found.first_line_top_mm


def test_in_duplex_each_document_starts_on_its_own_sheet(address_page):
    three = pdf_pages(*[{"size": A4, "texts": [(72, 700, 12, f"Trois {n}")]} for n in (1, 2, 3)])
    two = pdf_pages(*[{"size": A4, "texts": [(72, 700, 12, f"Deux {n}")]} for n in (1, 2)])
    printed = processing.print_pdf(parts=[address_page, three, two], envelope_number="CP-1", duplex=True)
    texts = [page.extract_text().strip() for page in pypdf.PdfReader(io.BytesIO(printed.pdf)).pages]
    # address page + blank back, 3 pages + blank back, 2 pages: 4 sheets, 8 pages.
    assert printed.pages == 8
    assert texts[1] == "" and texts[2:6] == ["Trois 1", "Trois 2", "Trois 3", ""] and texts[6:] == ["Deux 1", "Deux 2"]
    simplex = processing.print_pdf(parts=[address_page, three, two], envelope_number="CP-1", duplex=False)
    assert simplex.pages == 6


def test_parts_of_other_sizes_are_printed_on_a4():
    letter = pdf_pages({"size": (612, 792)})
    printed = processing.print_pdf(parts=[processing.address_page_pdf(recipient=RECIPIENT, sender=None,
                                                                      letterhead_lines=[]), letter],
                                   envelope_number="CP-2", duplex=False)
    sizes = [(round(float(p.mediabox.width) / MM), round(float(p.mediabox.height) / MM))
             for p in pypdf.PdfReader(io.BytesIO(printed.pdf)).pages]
    assert sizes == [(210, 297), (210, 297)]


def test_the_qr_code_goes_on_a_user_document_whose_address_starts_low_enough():
    letter = processing.pdf_prepare(letter_pdf(top_mm=processing.ADDRESS_MIN_TOP_MM + 2, left_mm=QR_LEFT_MM)).pdf
    found = processing.address_detect(letter)
    printed = processing.print_pdf(parts=[letter], envelope_number="CP-2026-000077", duplex=True,
                                   first_line_top_mm=found.first_line_top_mm)
    assert printed.pages == 2
    expected = expected_qr("CP-2026-000077")
    assert qr_as_printed(rendered_page(printed.pdf), len(expected)) == expected
    assert processing.address_detect(printed.pdf).lines == ADDRESS  # the code does not cover the address
    assert processing.print_pdf(parts=[letter], envelope_number="CP-2026-000077", duplex=True).pdf == printed.pdf


def test_an_address_starting_too_high_for_the_qr_code_is_refused_with_the_rule():
    letter = processing.pdf_prepare(letter_pdf(top_mm=WINDOW.y0 + 2, left_mm=QR_LEFT_MM)).pdf
    found = processing.address_detect(letter)
    assert found is not None and found.first_line_top_mm < processing.ADDRESS_MIN_TOP_MM
    with pytest.raises(ApplicationError) as raised:
        processing.print_pdf(parts=[letter], envelope_number="CP-3", duplex=False,
                             first_line_top_mm=found.first_line_top_mm)
    assert "la première ligne des coordonnées du destinataire doit se trouver sous le QR code" in raised.value.message
    assert f"{processing.ADDRESS_MIN_TOP_MM:.0f} mm" in raised.value.message
    assert raised.value.field == "documents"
    # Not told where the address starts, print_pdf reads page 1 itself and refuses the same way.
    with pytest.raises(ApplicationError, match="doit se trouver sous le QR code"):
        processing.print_pdf(parts=[letter], envelope_number="CP-3", duplex=False)


def test_the_qr_code_is_upright_on_a_rotated_first_page():
    # A landscape sheet with /Rotate 270 prints portrait: the code must read upright as printed.
    rotated = pdf_pages({"size": (A4[1], A4[0]), "rotate": 270})
    printed = processing.print_pdf(parts=[rotated], envelope_number="CP-2026-000099", duplex=False)
    assert printed.pages == 1
    expected = expected_qr("CP-2026-000099")
    assert qr_as_printed(rendered_page(printed.pdf), len(expected)) == expected


def test_a_landscape_first_page_cannot_carry_the_address():
    with pytest.raises(ApplicationError, match="format portrait"):
        processing.print_pdf(parts=[pdf_pages({"size": (A4[1], A4[0])})], envelope_number="CP-4", duplex=False)


def test_a_corrupt_part_or_no_part_is_refused(address_page):
    with pytest.raises(ApplicationError, match="endommagé"):
        processing.print_pdf(parts=[address_page, b"%PDF-1.4 broken"], envelope_number="CP-5", duplex=False)
    with pytest.raises(ApplicationError, match="au moins un document"):
        processing.print_pdf(parts=[], envelope_number="CP-5", duplex=False)
