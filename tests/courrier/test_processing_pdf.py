"""courrier.processing: file kinds, PDFs made ready for print, images laid out on A4, page images."""

from __future__ import annotations

import io

import pypdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFile
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from courrier import processing
from portal.errors import ApplicationError
from tests.courrier.fixtures.documents import MM, image_bytes, pdf_pages

A4 = (210 * MM, 297 * MM)
LETTER = (612, 792)  # US Letter, 8.5 x 11 in


def page_sizes_mm(pdf: bytes) -> list[tuple[int, int]]:
    """Each page's size as printed (rotation applied), rounded to the millimetre."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [tuple(round(v / MM) for v in document[i].get_size()) for i in range(len(document))]
    finally:
        document.close()


def text_box_mm(pdf: bytes, text: str, page_index: int = 0) -> tuple[float, float]:
    """(left, top) in mm from the top-left corner of the page as printed, of a text's first char."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[page_index]
        textpage = page.get_textpage()
        index = textpage.get_text_range().index(text)
        left, _bottom, _right, top = textpage.get_charbox(index)
        _x0, _y0, _x1, y1 = page.get_cropbox()
        assert page.get_rotation() == 0
        return left / MM, (y1 - top) / MM
    finally:
        document.close()


# ---------------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(("content_type", "kind"), [
    ("application/pdf", "pdf"), ("image/png", "image"), ("image/jpeg", "image"), ("image/tiff", "image"),
    ("image/gif", "image"), ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "office"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "office"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "office"),
    ("application/vnd.oasis.opendocument.text", "office"), ("application/msword", "office"),
    ("application/vnd.ms-excel", "office"), ("application/vnd.ms-powerpoint", "office"),
])
def test_kind_of_each_accepted_type(content_type, kind):
    assert processing.kind_of(content_type) == kind
    assert content_type in processing.ACCEPTED_TYPES


@pytest.mark.parametrize("content_type", ["text/plain", "application/zip", "application/x-msdownload", ""])
def test_kind_of_refuses_other_types_in_french(content_type):
    with pytest.raises(ApplicationError, match="type de fichier n'est pas accepté") as raised:
        processing.kind_of(content_type)
    assert raised.value.field == "documents"


# ----------------------------------------------------------------------------------- PDFs


def test_an_a4_pdf_keeps_its_pages_and_their_content():
    content = pdf_pages({"size": A4, "texts": [(100 * MM, 200 * MM, 12, "Bonjour A4")]},
                        {"size": A4}, {"size": (A4[1], A4[0])})
    prepared = processing.pdf_prepare(content)
    assert prepared.pages == 3
    assert page_sizes_mm(prepared.pdf) == [(210, 297), (210, 297), (297, 210)]
    left, top = text_box_mm(prepared.pdf, "Bonjour A4")
    assert left == pytest.approx(100, abs=0.5) and top == pytest.approx(297 - 200 - 12 * 0.72 / MM, abs=1)


@pytest.mark.parametrize(("size", "label"), [(LETTER, "letter"), ((148 * MM, 210 * MM), "a5"), ((297 * MM, 420 * MM), "a3")])
def test_other_page_sizes_are_scaled_to_fit_a4_keeping_their_aspect_ratio(size, label):
    width, height = size
    # A mark at the top-left corner and one at the bottom-right corner of the original page.
    content = pdf_pages({"size": size, "texts": [(0, height - 10, 10, "HAUTGAUCHE"), (width - 60, 2, 10, "BASDROITE")]})
    prepared = processing.pdf_prepare(content)
    assert prepared.pages == 1
    assert page_sizes_mm(prepared.pdf) == [(210, 297)]
    scale = min(A4[0] / width, A4[1] / height)
    offset_x, offset_y = (A4[0] - width * scale) / 2 / MM, (A4[1] - height * scale) / 2 / MM
    assert min(offset_x, offset_y) == pytest.approx(0, abs=0.01)  # fits one dimension exactly
    for mark in ("HAUTGAUCHE", "BASDROITE"):
        before_left, before_top = text_box_mm(content, mark)
        left, top = text_box_mm(prepared.pdf, mark)
        assert left == pytest.approx(offset_x + before_left * scale, abs=0.2), (label, mark)
        assert top == pytest.approx(offset_y + before_top * scale, abs=0.2), (label, mark)


def test_a_rotated_page_is_printed_as_it_is_displayed():
    # A landscape-by-rotation page: a portrait US Letter sheet with /Rotate 90 displays landscape.
    content = pdf_pages({"size": LETTER, "rotate": 90, "texts": [(50, 50, 10, "Rotation")]},
                        {"size": A4, "rotate": -90})
    prepared = processing.pdf_prepare(content)
    assert page_sizes_mm(prepared.pdf) == [(297, 210), (297, 210)]
    reader = pypdf.PdfReader(io.BytesIO(prepared.pdf))
    assert [page.rotation for page in reader.pages] == [90, 270]
    assert "Rotation" in reader.pages[0].extract_text()


def test_annotations_move_with_a_rescaled_page():
    # A US Letter page (its /Rotate and /Annots as indirect objects) with a stamp annotation
    # (a form field's value shows the same way) over its top-left inch.
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages({"size": LETTER}))))
    page = writer.pages[0]
    stamp = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Square"),
                              NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (0, 720, 72, 792)])})
    page[NameObject("/Annots")] = writer._add_object(ArrayObject([writer._add_object(stamp)]))
    page[NameObject("/Rotate")] = writer._add_object(NumberObject(180))
    buffer = io.BytesIO()
    writer.write(buffer)
    prepared = processing.pdf_prepare(buffer.getvalue())
    [page] = pypdf.PdfReader(io.BytesIO(prepared.pdf)).pages
    assert page.rotation == 180
    scale = min(A4[0] / LETTER[0], A4[1] / LETTER[1])
    offset_y = (A4[1] - LETTER[1] * scale) / 2
    [annotation] = [a.get_object() for a in page["/Annots"]]
    assert [float(v) for v in annotation["/Rect"]] == pytest.approx(
        [0, offset_y + 720 * scale, 72 * scale, offset_y + 792 * scale], abs=0.01)


def test_a_password_protected_pdf_is_refused_with_a_clear_message():
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages({"size": A4}))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ApplicationError) as raised:
        processing.pdf_prepare(buffer.getvalue())
    assert raised.value.message == ("Ce PDF est protégé par un mot de passe : enregistrez-le sans protection puis "
                                    "ajoutez-le de nouveau.")
    assert raised.value.field == "documents"


def encrypted_without_user_password(*, print_allowed: bool) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(
        pdf_pages({"size": LETTER, "texts": [(72, 700, 12, "Restreint")]}))))
    permissions = pypdf.constants.UserAccessPermissions.EXTRACT
    if print_allowed:
        permissions |= pypdf.constants.UserAccessPermissions.PRINT
    writer.encrypt(user_password="", owner_password="owner", permissions_flag=permissions, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_that_opens_without_password_and_allows_printing_is_accepted_and_decrypted():
    prepared = processing.pdf_prepare(encrypted_without_user_password(print_allowed=True))
    reader = pypdf.PdfReader(io.BytesIO(prepared.pdf))
    assert not reader.is_encrypted
    assert prepared.pages == 1 and page_sizes_mm(prepared.pdf) == [(210, 297)]
    assert "Restreint" in reader.pages[0].extract_text()


def test_a_pdf_that_forbids_printing_is_refused():
    with pytest.raises(ApplicationError, match="protégé contre l'impression"):
        processing.pdf_prepare(encrypted_without_user_password(print_allowed=False))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "Le fichier est vide."),
    (b"   \n", "Le fichier est vide."),
    (b"GIF89a not a pdf", "n'est pas un PDF"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage without xref", "endommagé ou illisible"),
])
def test_empty_foreign_and_corrupt_pdfs_are_refused(content, message):
    with pytest.raises(ApplicationError, match=message) as raised:
        processing.pdf_prepare(content)
    assert raised.value.field == "documents"


def test_a_truncated_pdf_is_refused():
    content = pdf_pages({"size": A4, "texts": [(72, 700, 12, "Tronqué")]})
    with pytest.raises(ApplicationError, match="endommagé ou illisible"):
        processing.pdf_prepare(content[: len(content) // 3])


def test_a_pdf_without_pages_is_refused():
    writer = pypdf.PdfWriter()
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ApplicationError, match="ne contient aucune page"):
        processing.pdf_prepare(buffer.getvalue())


def test_page_images_are_pngs_of_the_requested_width_and_count():
    content = processing.pdf_prepare(pdf_pages({"size": A4}, {"size": (A4[1], A4[0])}, {"size": A4})).pdf
    images = processing.page_images(content, width_px=300, max_pages=2)
    assert len(images) == 2
    first, second = (Image.open(io.BytesIO(png)) for png in images)
    assert first.format == "PNG" and first.width == 300 and first.height == pytest.approx(300 * 297 / 210, abs=1)
    assert second.width == 300 and second.height == pytest.approx(300 * 210 / 297, abs=1)
    assert len(processing.page_images(content)) == 3


# --------------------------------------------------------------------------------- images


def image_layout(pdf: bytes) -> list[tuple[tuple[int, int], tuple[float, float, float, float]]]:
    """Per page: (page size in mm, (left, top, width, height) in mm of the picture drawn on it)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    layouts = []
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        operands = page.get_contents().get_data().split(b"cm")[0].split()[-6:]
        a, _b, _c, d, e, f = (float(v) for v in operands)
        layouts.append(((round(width / MM), round(height / MM)), (e / MM, (height - f - d) / MM, a / MM, d / MM)))
    return layouts


def test_a_png_is_fitted_on_a4_within_margins_keeping_its_aspect_ratio():
    picture = Image.new("RGBA", (800, 400), (200, 30, 30, 128))  # half-transparent: laid on white
    prepared = processing.image_to_pdf(image_bytes(picture, "PNG"), content_type="image/png")
    assert prepared.pages == 1
    [(page_size, (left, top, width, height))] = image_layout(prepared.pdf)
    assert page_size == (297, 210)  # a landscape picture on a landscape page
    assert width / height == pytest.approx(2, rel=0.001)
    assert left == pytest.approx(10, abs=0.1) and width == pytest.approx(277, abs=0.1)
    assert top == pytest.approx((210 - height) / 2, abs=0.1)
    [png] = processing.page_images(prepared.pdf, width_px=297)
    pixel = Image.open(io.BytesIO(png)).convert("RGB").getpixel((150, 105))
    assert pixel[0] > 200 and 120 < pixel[1] < 160  # red at 50 % over white, not over black


def test_a_jpeg_is_embedded_as_it_is():
    photo = Image.new("RGB", (300, 500), (10, 120, 200))
    content = image_bytes(photo, "JPEG", quality=90)
    prepared = processing.image_to_pdf(content, content_type="image/jpeg")
    [(page_size, (_left, _top, width, height))] = image_layout(prepared.pdf)
    assert page_size == (210, 297) and width / height == pytest.approx(0.6, rel=0.001)
    [page] = pypdf.PdfReader(io.BytesIO(prepared.pdf)).pages
    [image] = page["/Resources"]["/XObject"].values()
    assert image.get_object()["/Filter"] == "/DCTDecode"
    assert image.get_object()._data == content


def test_a_jpeg_with_an_exif_rotation_is_printed_upright():
    photo = Image.new("RGB", (600, 300), (10, 120, 200))
    exif = photo.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    prepared = processing.image_to_pdf(image_bytes(photo, "JPEG", exif=exif), content_type="image/jpeg")
    [(page_size, (_left, _top, width, height))] = image_layout(prepared.pdf)
    assert page_size == (210, 297) and height / width == pytest.approx(2, rel=0.001)


def test_a_picture_with_a4_proportions_is_a_scanned_page_that_fills_the_sheet():
    scan = Image.new("L", (2480, 3508), 250)  # A4 at 300 dpi
    prepared = processing.image_to_pdf(image_bytes(scan, "PNG"), content_type="image/png")
    [(page_size, (left, top, width, height))] = image_layout(prepared.pdf)
    assert page_size == (210, 297)
    assert (left, top) == pytest.approx((0, 0), abs=0.2) and (width, height) == pytest.approx((210, 297), abs=0.2)


def test_a_multi_page_tiff_gives_one_page_per_frame():
    frames = [Image.new("1", (1240, 1754), 1), Image.new("L", (400, 300), 128), Image.new("RGB", (500, 700), "blue")]
    content = image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    prepared = processing.image_to_pdf(content, content_type="image/tiff")
    assert prepared.pages == 3
    assert [size for size, _ in image_layout(prepared.pdf)] == [(210, 297), (297, 210), (210, 297)]
    images = [Image.open(io.BytesIO(png)).convert("L") for png in processing.page_images(prepared.pdf, width_px=100)]
    assert images[0].getpixel((50, 70)) > 240  # the white fax page stays white (1-bit kept as it is)
    assert 110 < images[1].getpixel((50, 35)) < 145


def test_an_animated_gif_prints_its_first_frame_only():
    frames = [Image.new("P", (200, 100), index) for index in range(5)]
    content = image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    prepared = processing.image_to_pdf(content, content_type="image/gif")
    assert prepared.pages == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"", "Le fichier est vide."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "endommagée ou illisible"),
    (b"%PDF-1.4 not an image", "endommagée ou illisible"),
])
def test_empty_and_corrupt_images_are_refused(content, message):
    with pytest.raises(ApplicationError, match=message) as raised:
        processing.image_to_pdf(content, content_type="image/png")
    assert raised.value.field == "documents"


def test_a_truncated_jpeg_is_refused(monkeypatch):
    # WeasyPrint, once imported, tells Pillow to load truncated images: they must still be refused.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    content = image_bytes(Image.effect_noise((400, 400), 60).convert("RGB"), "JPEG")
    with pytest.raises(ApplicationError, match="endommagée ou illisible"):
        processing.image_to_pdf(content[: len(content) // 2], content_type="image/jpeg")


def test_a_decompression_bomb_is_refused():
    content = image_bytes(Image.new("1", (12_000, 12_000), 1), "PNG")  # 144 Mpx in a few kB
    with pytest.raises(ApplicationError, match="trop grande"):
        processing.image_to_pdf(content, content_type="image/png")
