# Replaced wholesale by the courrier-proc branch at merge.
"""Minimal working stand-in of the document-processing interface (contract of issue 9, part A).

Only what the envelope service needs to run its own tests before the real package is merged:
pypdf for PDFs (page count, text with positions, merging), Pillow for images, LibreOffice
headless for office files, WeasyPrint for the address page. No OCR and no real page rendering
here: ``address_detect`` reads the text layer only and ``page_images`` draws a plain thumbnail.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from portal.errors import ApplicationError

FIELD = "documents"
MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class WindowArea:
    x0: float
    y0: float
    x1: float
    y1: float


WINDOW_MM = WindowArea(x0=100, y0=45, x1=200, y1=95)
A4_MM = (210, 297)


@dataclass(frozen=True)
class ProcessedPdf:
    pdf: bytes
    pages: int


@dataclass(frozen=True)
class PostalAddress:
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str


@dataclass(frozen=True)
class DetectedAddress:
    lines: tuple[str, ...]
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    first_line_top_mm: float
    source: str


OFFICE = {
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/x-ole-storage", "application/CDFV2",
}


def kind_of(content_type: str) -> str:
    if content_type == "application/pdf":
        return "pdf"
    if content_type.startswith("image/"):
        return "image"
    if content_type in OFFICE or content_type.startswith(("application/vnd.openxmlformats-officedocument",
                                                          "application/vnd.oasis.opendocument")):
        return "office"
    raise ApplicationError("Ce type de document n'est pas accepté.", field=FIELD)


def _reader(content: bytes):
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise ApplicationError("Ce PDF est protégé par un mot de passe : envoyez-le sans protection.",
                                   field=FIELD)
        pages = len(reader.pages)
    except ApplicationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError):
        raise ApplicationError("Ce PDF est illisible (fichier endommagé).", field=FIELD)
    if pages == 0:
        raise ApplicationError("Ce PDF ne contient aucune page.", field=FIELD)
    return reader


def pdf_prepare(content: bytes) -> ProcessedPdf:
    reader = _reader(content)
    return ProcessedPdf(pdf=content, pages=len(reader.pages))


def image_to_pdf(content: bytes, *, content_type: str) -> ProcessedPdf:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError):
        raise ApplicationError("Cette image est illisible.", field=FIELD)
    if not frames:
        raise ApplicationError("Cette image est vide.", field=FIELD)
    page_px = (1240, 1754)  # A4 at 150 dpi
    pages = []
    for frame in frames:
        frame.thumbnail((page_px[0] - 100, page_px[1] - 100))
        page = Image.new("RGB", page_px, "white")
        page.paste(frame, ((page_px[0] - frame.width) // 2, (page_px[1] - frame.height) // 2))
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", resolution=150, save_all=True, append_images=pages[1:])
    return ProcessedPdf(pdf=buffer.getvalue(), pages=len(pages))


def office_to_pdf(content: bytes, *, filename: str, timeout: int = 120) -> ProcessedPdf:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ApplicationError("La conversion des documents bureautiques n'est pas disponible.", field=FIELD)
    with tempfile.TemporaryDirectory(prefix="courrier-office-") as work:
        source = Path(work) / (Path(filename).name or "document")
        source.write_bytes(content)
        command = [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", work, str(source)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise ApplicationError("La conversion du document a dépassé le délai : simplifiez-le ou envoyez-le "
                                   "en PDF.", field=FIELD)
        produced = source.with_suffix(".pdf")
        if not produced.exists():
            raise ApplicationError("Ce document n'a pas pu être converti en PDF.", field=FIELD)
        return pdf_prepare(produced.read_bytes())


def address_detect(pdf: bytes) -> DetectedAddress | None:
    reader = _reader(pdf)
    page = reader.pages[0]
    height = float(page.mediabox.height)
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        top_mm = (height - y) / MM
        if text.strip() and WINDOW_MM.x0 <= x / MM <= WINDOW_MM.x1 and WINDOW_MM.y0 <= top_mm <= WINDOW_MM.y1:
            found.append((top_mm, x, text.strip()))

    page.extract_text(visitor_text=visit)
    lines: list[tuple[float, str]] = []
    for top, _x, text in sorted(found):
        if lines and abs(lines[-1][0] - top) < 1.5:
            lines[-1] = (lines[-1][0], f"{lines[-1][1]} {text}")
        else:
            lines.append((top, text))
    texts = tuple(text for _, text in lines)
    if not 2 <= len(texts) <= 6:
        return None
    last = texts[-1].split(" ", 1)
    if len(last) != 2 or not (last[0].isdigit() and len(last[0]) == 5):
        return None
    return DetectedAddress(lines=texts, name=texts[0], address_lines=texts[1:-1], postal_code=last[0],
                           city=last[1].strip(), first_line_top_mm=lines[0][0], source="text")


def address_page_pdf(*, recipient: PostalAddress, sender: PostalAddress | None,
                     letterhead_lines: Sequence[str]) -> bytes:
    from portal.pdf import pdf_from_html

    def block(address: PostalAddress) -> str:
        lines = [address.name, *address.address_lines, f"{address.postal_code} {address.city}"]
        return "<br>".join(escape(line) for line in lines)

    head = "<br>".join(escape(line) for line in letterhead_lines)
    sender_html = f"<p class='sender'>Expéditeur :<br>{block(sender)}</p>" if sender else ""
    html = f"""<html><head><style>
      @page {{ size: A4; margin: 0; }} body {{ font-family: sans-serif; font-size: 11pt; margin: 0; }}
      .head {{ position: absolute; left: 20mm; top: 15mm; }}
      .window {{ position: absolute; left: {WINDOW_MM.x0 + 5}mm; top: {WINDOW_MM.y0 + 12}mm; }}
      .sender {{ position: absolute; left: 20mm; top: 120mm; font-size: 9pt; }}
    </style></head><body><div class="head">{head}</div>
    <div class="window">{block(recipient)}</div>{sender_html}</body></html>"""
    return pdf_from_html(html)


def _label_page(text: str, width: float, height: float) -> bytes:
    """A transparent page carrying the envelope number at the top of the window."""
    from portal.pdf import pdf_from_html

    html = f"""<html><head><style>@page {{ size: {width}pt {height}pt; margin: 0; }}
      div {{ position: absolute; left: {WINDOW_MM.x0 + 5}mm; top: {WINDOW_MM.y0 + 2}mm; font: 7pt monospace; }}
      </style></head><body><div>N° {escape(text)}</div></body></html>"""
    return pdf_from_html(html)


def print_pdf(*, parts: Sequence[bytes], envelope_number: str, duplex: bool) -> ProcessedPdf:
    """Parts in order; in duplex a blank back page follows every part with an odd page count,
    so that each part starts on a new sheet. The stand-in prints the number as text."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        reader = _reader(part)
        for page in reader.pages:
            writer.add_page(page)
        if duplex and len(reader.pages) % 2:
            last = reader.pages[-1]
            writer.add_blank_page(width=float(last.mediabox.width), height=float(last.mediabox.height))
    if not writer.pages:
        raise ApplicationError("Le courrier ne contient aucune page.", field=FIELD)
    first = writer.pages[0]
    label = PdfReader(io.BytesIO(_label_page(envelope_number, float(first.mediabox.width),
                                             float(first.mediabox.height)))).pages[0]
    first.merge_page(label)
    buffer = io.BytesIO()
    writer.write(buffer)
    return ProcessedPdf(pdf=buffer.getvalue(), pages=len(writer.pages))


def page_images(pdf: bytes, *, width_px: int = 600, max_pages: int | None = None) -> list[bytes]:
    from PIL import Image, ImageDraw

    reader = _reader(pdf)
    images = []
    for number, page in enumerate(reader.pages, start=1):
        if max_pages is not None and number > max_pages:
            break
        ratio = float(page.mediabox.height) / float(page.mediabox.width)
        image = Image.new("RGB", (width_px, int(width_px * ratio)), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, 0, image.width - 1, image.height - 1], outline="#999999")
        y = 20
        for line in (page.extract_text() or "").splitlines()[:60]:
            draw.text((20, y), line[:90], fill="#222222")
            y += 14
        draw.text((image.width - 60, image.height - 24), f"{number}", fill="#666666")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        images.append(buffer.getvalue())
    return images
