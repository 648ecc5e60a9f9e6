"""PDF letters (WeasyPrint): the A4 base letter, stored documents, never inside a transaction."""

import hashlib
import io
from datetime import date

import pypdf
import pytest
from django.conf import settings as django_settings
from django.db import transaction

from portal import pdf
from portal.models import StoredDocument

MM = 72 / 25.4  # PDF points per millimetre
RECIPIENT = ["BOULANGERIE MARTIN SARL", "M. Jean Martin", "12 rue de la République", "38000 GRENOBLE"]


@pytest.fixture
def test_templates(settings):
    """tests/templates holds ``pdf/test_letter.html``, a letter built on ``pdf/letter_base.html``."""
    engine = {**django_settings.TEMPLATES[0]}
    engine["DIRS"] = [*engine["DIRS"], django_settings.BASE_DIR / "tests" / "templates"]
    settings.TEMPLATES = [engine]


def letter(paragraphs: int = 3) -> bytes:
    return pdf.pdf_render(template_name="pdf/test_letter.html", context={
        "recipient_lines": RECIPIENT,
        "letter_date": date(2026, 3, 1),
        "policy_number": "0100001",
        "paragraphs": ["Nous vous remercions de votre confiance. " * 12] * paragraphs,
    })


def text_positions(page) -> dict[str, tuple[float, float]]:
    """First position of each text run: (mm from the left edge, mm from the top edge)."""
    height = float(page.mediabox.height)
    found: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font_dict, font_size):
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip():
            found.setdefault(text.strip(), (x / MM, (height - y) / MM))

    page.extract_text(visitor_text=visit)
    return found


def test_harfbuzz_subset_is_installed():
    # Without Debian's libharfbuzz-subset0, WeasyPrint falls back to fontTools: 3-5x slower PDFs.
    from weasyprint.text.ffi import harfbuzz_subset

    assert harfbuzz_subset is not None, "libharfbuzz-subset0 manque : make system-deps"


def test_a_letter_is_an_a4_pdf_with_header_date_blocks_and_page_numbers(test_templates):
    reader = pypdf.PdfReader(io.BytesIO(letter()))
    [page] = reader.pages
    assert (round(float(page.mediabox.width) / MM), round(float(page.mediabox.height) / MM)) == (210, 297)
    text = page.extract_text()
    assert "L'Auxiliaire" in text and "50 cours Franklin Roosevelt" in text
    assert "Lyon, le 1er mars 2026" in text
    assert "Objet : cotisation de la police 0100001" in text
    assert "Page 1 / 1" in text
    positions = text_positions(page)
    # The recipient shows through the right-hand window of a DL envelope (100 x 45 mm).
    for line in RECIPIENT:
        left, top = positions[line]
        assert 100 <= left <= 125 and 45 <= top <= 100, (line, left, top)
    sender_left, sender_top = positions["69006 Lyon"]
    assert sender_left < 100 and 45 <= sender_top <= 100


def test_a_long_letter_numbers_its_pages(test_templates):
    reader = pypdf.PdfReader(io.BytesIO(letter(paragraphs=25)))
    assert len(reader.pages) >= 2
    last = len(reader.pages)
    assert f"Page 1 / {last}" in reader.pages[0].extract_text()
    assert f"Page {last} / {last}" in reader.pages[-1].extract_text()


@pytest.mark.django_db
def test_a_stored_document_keeps_its_bytes_and_sha256(test_templates, settings, tmp_path):
    content = letter()
    document = pdf.document_store(content=content, name="rappel-0100001.pdf", content_type="application/pdf")
    document = StoredDocument.objects.get(id=document.id)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content) and document.content_type == "application/pdf"
    assert document.original_name == "rappel-0100001.pdf"
    assert pdf.document_bytes(document) == content
    assert document.file.path.startswith(str(settings.MEDIA_ROOT))


@pytest.mark.django_db
def test_rendering_inside_a_transaction_is_refused(test_templates):
    with pytest.raises(pdf.RenderingInTransactionError, match="jamais dans une transaction"), transaction.atomic():
        letter()
    assert letter().startswith(b"%PDF-")  # outside the transaction it renders
