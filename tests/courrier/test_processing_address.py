"""courrier.processing.address_detect: the recipient read in the envelope window of page 1,
from the text layer or by Tesseract OCR (French) on a scan (fails, not skips, without Tesseract)."""

from __future__ import annotations

import pytest

from courrier import processing
from courrier.processing.address import TextLine, address_parse
from portal.errors import ApplicationError
from tests.courrier.fixtures.documents import ADDRESS, MM, letter_pdf, pdf_pages, scanned_page_png

WINDOW = processing.WINDOW_MM


def test_the_window_is_the_dl_envelope_window_of_spec_6():
    assert (WINDOW.x0, WINDOW.y0, WINDOW.x1, WINDOW.y1) == (100, 45, 200, 95)
    assert processing.A4_MM == (210, 297)


@pytest.fixture(scope="module")
def text_letter():
    """A letter rendered by WeasyPrint with the address inside the window."""
    return processing.pdf_prepare(letter_pdf(top_mm=WINDOW.y0 + 15, left_mm=WINDOW.x0 + 10)).pdf


@pytest.fixture(scope="module")
def scanned_letter():
    """A scanned-looking page (Pillow, 300 dpi, noise) with the address in the window, as a PDF."""
    return processing.image_to_pdf(scanned_page_png(top_mm=WINDOW.y0 + 15, left_mm=WINDOW.x0 + 10),
                                   content_type="image/png").pdf


def test_an_address_in_the_window_is_read_from_the_text_layer(text_letter):
    found = processing.address_detect(text_letter)
    assert found is not None
    assert found.source == "text"
    assert found.lines == ADDRESS
    assert (found.name, found.address_lines, found.postal_code, found.city) == (
        "Mr DUPONT Jean", ("1 Rue de la République",), "38000", "GRENOBLE")
    assert found.first_line_top_mm == pytest.approx(WINDOW.y0 + 15, abs=1)
    assert found.as_postal_address().lines == ADDRESS


def test_an_address_outside_the_window_is_not_detected():
    # The same letter, its address at the top left (where a sender's block is): not in the window.
    pdf = processing.pdf_prepare(letter_pdf(top_mm=WINDOW.y0 + 15, left_mm=20)).pdf
    assert processing.address_detect(pdf) is None
    # Below the window (y 100 mm and more): not detected either.
    pdf = processing.pdf_prepare(letter_pdf(top_mm=WINDOW.y1 + 5, left_mm=WINDOW.x0 + 10)).pdf
    assert processing.address_detect(pdf) is None


def test_a_scanned_page_is_read_by_ocr(scanned_letter):
    found = processing.address_detect(scanned_letter)
    assert found is not None, "Tesseract (tesseract-ocr, tesseract-ocr-fra) : make system-deps"
    assert found.source == "ocr"
    assert found.postal_code == "38000" and found.city == "GRENOBLE"
    assert found.name == "Mr DUPONT Jean"
    assert found.address_lines == ("1 Rue de la République",)
    assert found.first_line_top_mm == pytest.approx(WINDOW.y0 + 15, abs=2)


def test_a_scan_without_an_address_in_the_window_gives_none():
    pdf = processing.image_to_pdf(scanned_page_png(lines=("Madame, Monsieur,",), top_mm=150, left_mm=20),
                                  content_type="image/png").pdf
    assert processing.address_detect(pdf) is None


def test_a_rotated_page_is_read_as_it_is_printed():
    # A landscape sheet stored with /Rotate 90 prints portrait: a point printed at (x, y) mm from
    # the top-left corner is at (y, x) in user space; the text runs upwards in user space.
    printed = [(110, 63, ADDRESS[0]), (110, 68, "1 Rue de la Republique"), (110, 73, ADDRESS[2])]
    pdf = pdf_pages({"size": (297 * MM, 210 * MM), "rotate": 90, "text_direction": (0, 1, -1, 0),
                     "texts": [(y * MM, x * MM, 11, text) for x, y, text in printed]})
    found = processing.address_detect(processing.pdf_prepare(pdf).pdf)
    assert found is not None
    assert found.lines == (ADDRESS[0], "1 Rue de la Republique", ADDRESS[2])
    assert found.first_line_top_mm == pytest.approx(63 - 11 * 0.9 / MM, abs=1)


def test_a_landscape_first_page_has_no_window():
    pdf = pdf_pages({"size": (297 * MM, 210 * MM), "texts": [
        (110 * MM, (210 - 60) * MM, 11, "Mr DUPONT Jean"), (110 * MM, (210 - 65) * MM, 11, "38000 GRENOBLE")]})
    assert processing.address_detect(pdf) is None


def test_a_corrupt_pdf_is_refused():
    with pytest.raises(ApplicationError, match="endommagé"):
        processing.address_detect(b"%PDF-1.4 nothing")


def lines(*texts: str, top: float = 60, step: float = 4.5) -> list[TextLine]:
    return [TextLine(text, top + index * step, top + index * step + 4) for index, text in enumerate(texts)]


def test_parsing_takes_the_last_postal_code_line_and_the_block_above_it():
    found = address_parse(lines("SARL DUPOND", "Service comptabilité", "BP 42", "1 rue des Fleurs",
                                "38000 GRENOBLE CEDEX 9", "FRANCE"), source="text")
    assert found.name == "SARL DUPOND"
    assert found.address_lines == ("Service comptabilité", "BP 42", "1 rue des Fleurs")
    assert (found.postal_code, found.city) == ("38000", "GRENOBLE CEDEX 9")
    assert found.lines[-1] == "38000 GRENOBLE CEDEX 9"


def test_parsing_stops_at_a_blank_line_above_the_address():
    reference = lines("Réf. : 2026-0042", top=46)
    address = lines("M. Jean MARTIN", "12 avenue Alsace-Lorraine", "38000 Grenoble", top=60)
    found = address_parse(reference + address, source="text")
    assert found.lines == ("M. Jean MARTIN", "12 avenue Alsace-Lorraine", "38000 Grenoble")
    assert found.first_line_top_mm == 60


def test_parsing_keeps_at_most_six_lines():
    found = address_parse(lines("Ligne en trop", "Nom", "A1", "A2", "A3", "A4", "75001 PARIS"), source="text")
    assert found.lines == ("Nom", "A1", "A2", "A3", "A4", "75001 PARIS")


@pytest.mark.parametrize("texts", [
    ("Madame, Monsieur,", "Veuillez trouver ci-joint"),  # no postal code
    ("38000 GRENOBLE",),  # a postal line alone: no name
    ("Montant", "12000 €"),  # a number, not a city
    ("Nom", "00100 NULLEPART"),  # 00 is no département
    ("Nom", "3800 GRENOBLE"),  # four digits
])
def test_parsing_gives_none_when_nothing_plausible_is_found(texts):
    assert address_parse(lines(*texts), source="text") is None
