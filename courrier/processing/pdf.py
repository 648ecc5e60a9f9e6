"""PDFs: checked, normalised to A4 for print, merged, drawn on and rendered as page images.

PDFium (pypdfium2) reads: it tells a corrupt file from a password-protected one, finds text
with its position and renders pages. pypdf writes: it rescales pages, merges documents and adds
content streams. PDFium is not thread-safe, even across documents: every use of it holds
``PDFIUM_LOCK`` (two conversions may run in two threads of one process).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    IndirectObject,
    NameObject,
    NumberObject,
    RectangleObject,
    StreamObject,
)

from portal.errors import ApplicationError

from .values import A4_POINTS, A4_TOLERANCE_POINTS, POINTS_PER_MM, ProcessedPdf, refuse

logger = logging.getLogger(__name__)

PDFIUM_LOCK = threading.RLock()

EMPTY_FILE = "Le fichier est vide."
NOT_A_PDF = "Ce fichier n'est pas un PDF : son contenu ne correspond pas."
NO_PAGE = "Ce PDF ne contient aucune page."
CORRUPT = ("Ce PDF est endommagé ou illisible : ouvrez-le puis enregistrez-le de nouveau en PDF avant de "
           "l'ajouter.")
PASSWORD = ("Ce PDF est protégé par un mot de passe : enregistrez-le sans protection puis ajoutez-le de "
            "nouveau.")
PRINT_FORBIDDEN = ("Ce PDF est protégé contre l'impression : enregistrez-le sans protection puis ajoutez-le de "
                   "nouveau.")
PERMISSION_PRINT = 1 << 2  # bit 3 of the /P entry (ISO 32000-1, table 22)


@contextmanager
def pdfium_document(content: bytes) -> Iterator[pdfium.PdfDocument]:
    """Open a PDF with PDFium under the lock, turning its load errors into French messages."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(content)
        except pdfium.PdfiumError as error:
            if error.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise refuse(PASSWORD)
            raise refuse(NO_PAGE if without_pages(content) else CORRUPT)
        try:
            yield document
        finally:
            document.close()


def without_pages(content: bytes) -> bool:
    """A well-formed PDF whose page tree is empty (PDFium refuses to open it)."""
    try:
        return len(PdfReader(io.BytesIO(content), strict=True).pages) == 0
    except Exception:  # unreadable: not "without pages" but corrupt
        return False


def pdf_check(content: bytes) -> bytes:
    """The PDF if it opens without a password, has pages and may be printed; a PDF that opens
    without a password but is encrypted (an "owner password" restricting editing) is returned
    decrypted, as PDFium reads it."""
    if not content or not content.strip():
        raise refuse(EMPTY_FILE)
    if b"%PDF-" not in content[:1024]:
        raise refuse(NOT_A_PDF)
    with pdfium_document(content) as document:
        if len(document) == 0:
            raise refuse(NO_PAGE)
        if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            if not pdfium_c.FPDF_GetDocPermissions(document.raw) & PERMISSION_PRINT:
                raise refuse(PRINT_FORBIDDEN)
            buffer = io.BytesIO()
            document.save(buffer, flags=pdfium_c.FPDF_REMOVE_SECURITY)
            content = buffer.getvalue()
    return content


def pdf_reader(content: bytes) -> PdfReader:
    """pypdf's reader of a PDF that ``pdf_check`` accepted."""
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise refuse(PASSWORD)
        if len(reader.pages) == 0:
            raise refuse(NO_PAGE)
    except ApplicationError:
        raise
    except Exception as error:
        logger.warning("pypdf cannot read a PDF that PDFium opened: %r", error)
        raise refuse(CORRUPT)
    return reader


def writer_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class PageFrame:
    """A page's visible box in user space (points, origin bottom-left) and its /Rotate, to map
    display coordinates (points from the top-left corner of the page as shown or printed)."""

    x0: float
    y0: float
    x1: float
    y1: float
    rotation: int  # 0, 90, 180 or 270, clockwise as displayed

    @property
    def display_size(self) -> tuple[float, float]:
        width, height = self.x1 - self.x0, self.y1 - self.y0
        return (height, width) if self.rotation in (90, 270) else (width, height)

    @property
    def display_size_mm(self) -> tuple[float, float]:
        width, height = self.display_size
        return width / POINTS_PER_MM, height / POINTS_PER_MM

    def to_user(self, dx: float, dy: float) -> tuple[float, float]:
        if self.rotation == 90:
            return self.x0 + dy, self.y0 + dx
        if self.rotation == 180:
            return self.x1 - dx, self.y0 + dy
        if self.rotation == 270:
            return self.x1 - dy, self.y1 - dx
        return self.x0 + dx, self.y1 - dy

    def to_display(self, ux: float, uy: float) -> tuple[float, float]:
        if self.rotation == 90:
            return uy - self.y0, ux - self.x0
        if self.rotation == 180:
            return self.x1 - ux, uy - self.y0
        if self.rotation == 270:
            return self.y1 - uy, self.x1 - ux
        return ux - self.x0, self.y1 - uy

    def display_rect_to_user(self, dx: float, dy: float, width: float, height: float) -> tuple[float, ...]:
        """(x, y, width, height) in user space of a rectangle given in display coordinates."""
        ax, ay = self.to_user(dx, dy)
        bx, by = self.to_user(dx + width, dy + height)
        return min(ax, bx), min(ay, by), abs(bx - ax), abs(by - ay)


def rotation_of(value) -> int:
    try:
        rotation = int(value) % 360
    except (TypeError, ValueError):
        return 0
    return rotation if rotation in (0, 90, 180, 270) else 0


def box_of(page: PageObject) -> tuple[float, float, float, float]:
    """The visible box of a pypdf page: its crop box within its media box."""
    media = [float(v) for v in page.mediabox]
    crop = [float(v) for v in page.cropbox]
    mx0, mx1 = sorted((media[0], media[2]))
    my0, my1 = sorted((media[1], media[3]))
    cx0, cx1 = sorted((crop[0], crop[2]))
    cy0, cy1 = sorted((crop[1], crop[3]))
    x0, y0, x1, y1 = max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)
    if x1 - x0 < 1 or y1 - y0 < 1:
        x0, y0, x1, y1 = mx0, my0, mx1, my1
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise refuse(CORRUPT)
    return x0, y0, x1, y1


def entry(page: PageObject, key: str):
    """A page's entry, resolved when it is an indirect object (``dict.get`` does not resolve)."""
    value = page.get(key)
    return value.get_object() if value is not None else None


def frame_of(page: PageObject) -> PageFrame:
    return PageFrame(*box_of(page), rotation=rotation_of(entry(page, "/Rotate") or 0))


def stream_reference(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = StreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def page_wrap_contents(writer: PdfWriter, page: PageObject, *, before: bytes, after: bytes) -> None:
    """Put content before and after a page's own, without parsing it (fast on heavy pages)."""
    contents = page.get("/Contents")
    items: list = []
    if contents is not None:
        resolved = contents.get_object()
        if isinstance(resolved, ArrayObject):
            items = list(resolved)
        elif isinstance(contents, IndirectObject):
            items = [contents]
        else:
            items = [writer._add_object(resolved)]
    page[NameObject("/Contents")] = ArrayObject(
        [stream_reference(writer, before), *items, stream_reference(writer, after)]
    )


def number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def page_fit_a4(writer: PdfWriter, page: PageObject) -> None:
    """Make a page A4 as it is printed, keeping its /Rotate.

    An A4 page (portrait or landscape, within ~1 mm) is left as it is. Any other page is scaled
    to fit A4 of its own orientation, up or down, keeping its aspect ratio, and centred: a US
    Letter page shrinks by 3 %, an A5 page grows to A4, an A3 page shrinks to A4. Its content is
    wrapped in one transformation (not re-parsed) and clipped to its former visible box; its
    annotations (form fields, stamps) move with it.
    """
    x0, y0, x1, y1 = box_of(page)
    declared = entry(page, "/Rotate")
    if declared is not None and declared != rotation_of(declared):  # -90, 450, 45… → 270, 90, 0
        page[NameObject("/Rotate")] = NumberObject(rotation_of(declared))
    width, height = x1 - x0, y1 - y0
    target_width, target_height = A4_POINTS if width <= height else (A4_POINTS[1], A4_POINTS[0])
    already_a4 = abs(width - target_width) <= A4_TOLERANCE_POINTS and abs(height - target_height) <= A4_TOLERANCE_POINTS
    media = [float(v) for v in page.mediabox]
    if already_a4 and abs(x0) < 0.01 and abs(y0) < 0.01 and media == [x0, y0, x1, y1]:
        return
    scale = 1.0 if already_a4 else min(target_width / width, target_height / height)
    offset_x = (target_width - width * scale) / 2 - scale * x0
    offset_y = (target_height - height * scale) / 2 - scale * y0
    before = (f"q {number(scale)} 0 0 {number(scale)} {number(offset_x)} {number(offset_y)} cm "
              f"{number(x0)} {number(y0)} {number(width)} {number(height)} re W n\n").encode()
    page_wrap_contents(writer, page, before=before, after=b"\nQ\n")
    box = RectangleObject([0, 0, target_width, target_height])
    page.mediabox = box
    page.cropbox = box
    for name in ("/TrimBox", "/BleedBox", "/ArtBox"):
        if name in page:
            del page[name]
    for annotation in entry(page, "/Annots") or []:
        annotation = annotation.get_object()
        rect = annotation.get("/Rect")
        rect = rect.get_object() if rect is not None else None
        if not isinstance(rect, ArrayObject) or len(rect) != 4:
            continue
        ax0, ay0, ax1, ay1 = (float(v) for v in rect)
        annotation[NameObject("/Rect")] = RectangleObject([
            ax0 * scale + offset_x, ay0 * scale + offset_y, ax1 * scale + offset_x, ay1 * scale + offset_y,
        ])


def pdf_normalise(content: bytes) -> tuple[bytes, int]:
    """(the PDF with every page A4, its page count), for a PDF ``pdf_check`` accepted."""
    reader = pdf_reader(content)
    try:
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            page_fit_a4(writer, page)
        return writer_bytes(writer), len(writer.pages)
    except ApplicationError:
        raise
    except Exception as error:
        logger.warning("a PDF could not be normalised: %r", error)
        raise refuse(CORRUPT)


def pdf_prepare(content: bytes) -> ProcessedPdf:
    """A PDF made ready for print: refused when empty, corrupt, without pages, protected by a
    password or against printing; every page A4 (``page_fit_a4``); its page count."""
    pdf, pages = pdf_normalise(pdf_check(content))
    return ProcessedPdf(pdf=pdf, pages=pages)


def page_images(pdf: bytes, *, width_px: int = 600, max_pages: int | None = None) -> list[bytes]:
    """One PNG per page (the first ``max_pages``), ``width_px`` wide, for the print visual."""
    images: list[bytes] = []
    with pdfium_document(pdf) as document:
        document.init_forms()
        count = len(document) if max_pages is None else min(len(document), max_pages)
        for index in range(count):
            page = document[index]
            try:
                width, _height = page.get_size()
                bitmap = page.render(scale=width_px / width, may_draw_forms=True)
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, format="PNG")
                images.append(buffer.getvalue())
            finally:
                page.close()
    return images
