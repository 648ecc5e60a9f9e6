"""The recipient's address read in the envelope window of page 1 (SPEC §6, seed 001 §8.3).

1. Text layer: every character of page 1 whose centre lies in ``WINDOW_MM`` (PDFium's
   character boxes, mapped to the page as printed, /Rotate included), grouped into lines.
2. When no character of the text layer lies in the window (a scan, a picture), the window is
   rendered at 300 dpi and read by Tesseract (French, ``--psm 6``: one block of text).
3. The lines are parsed: the last line starting with a 5-digit postal code followed by a city
   (CEDEX allowed) ends the address; the lines just above it, without a blank line between
   them, are the name then 0 to 4 address lines. Nothing plausible → ``None``.

A landscape page 1 has no window: ``None``. The PDF is expected normalised (``pdf_prepare``):
the window is measured in millimetres from the top-left corner of page 1 as printed.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image

from .pdf import PageFrame, pdfium_document, rotation_of
from .values import POINTS_PER_MM, WINDOW_MM, DetectedAddress, refuse

logger = logging.getLogger(__name__)

OCR_DPI = 300
OCR_TIMEOUT = 60
OCR_MIN_WORD_CONFIDENCE = 30
MAX_LINES_ABOVE_POSTAL_LINE = 5  # the name and at most 4 address lines
POSTAL_LINE = re.compile(r"^(?P<code>\d{5})\s+(?P<city>[^\W\d_][\w'’ .-]*)$")
EDGE_NOISE = " |_~—–-.,:;'\"`"


@dataclass(frozen=True)
class TextLine:
    text: str
    top_mm: float
    bottom_mm: float


def address_detect(pdf: bytes) -> DetectedAddress | None:
    with pdfium_document(pdf) as document:
        if len(document) == 0:
            raise refuse("Ce PDF ne contient aucune page.")
        page = document[0]
        try:
            left, bottom, right, top = page.get_cropbox()
            frame = PageFrame(min(left, right), min(bottom, top), max(left, right), max(bottom, top),
                              rotation=rotation_of(page.get_rotation()))
            width_mm, height_mm = frame.display_size_mm
            if width_mm > height_mm:
                return None
            lines = text_layer_lines(page, frame)
            image = None if lines else window_image(page, frame)
        finally:
            page.close()
    if lines:
        return address_parse(lines, source="text")
    return address_parse(ocr_lines(image), source="ocr")


def text_layer_lines(page, frame: PageFrame) -> list[TextLine]:
    """The text of the window, line by line, top to bottom."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    chars: list[tuple[str, float, float, float, float]] = []  # (char, left, top, right, bottom) in mm
    try:
        for index in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
            if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF or chr(code) in "\r\n":
                continue
            box_left, box_bottom, box_right, box_top = textpage.get_charbox(index, loose=True)
            ax, ay = frame.to_display(box_left, box_bottom)
            bx, by = frame.to_display(box_right, box_top)
            left, right = sorted((ax / POINTS_PER_MM, bx / POINTS_PER_MM))
            top, bottom = sorted((ay / POINTS_PER_MM, by / POINTS_PER_MM))
            if WINDOW_MM.contains((left + right) / 2, (top + bottom) / 2):
                chars.append((chr(code), left, top, right, bottom))
    finally:
        textpage.close()
    return lines_from_chars(chars)


def lines_from_chars(chars: list[tuple[str, float, float, float, float]]) -> list[TextLine]:
    groups: list[list[tuple[str, float, float, float, float]]] = []
    for char in sorted(chars, key=lambda c: ((c[2] + c[4]) / 2, c[1])):
        middle, height = (char[2] + char[4]) / 2, char[4] - char[2]
        if groups:
            last = groups[-1]
            last_middle = sum((c[2] + c[4]) / 2 for c in last) / len(last)
            if abs(middle - last_middle) <= max(height, last[0][4] - last[0][2]) / 2:
                last.append(char)
                continue
        groups.append([char])
    lines = []
    for group in groups:
        group.sort(key=lambda c: c[1])
        text, previous_right = "", None
        for char, left, top, right, bottom in group:
            if previous_right is not None and left - previous_right > 0.25 * (bottom - top):
                text += " "
            text += char
            previous_right = right
        text = " ".join(text.split())
        if text:
            lines.append(TextLine(text=text, top_mm=min(c[2] for c in group), bottom_mm=max(c[4] for c in group)))
    return lines


def window_image(page, frame: PageFrame) -> Image.Image:
    """The window area of the page as printed, in greyscale at ``OCR_DPI``."""
    width, height = frame.display_size
    crop = (
        max(0.0, WINDOW_MM.x0 * POINTS_PER_MM),
        max(0.0, height - WINDOW_MM.y1 * POINTS_PER_MM),
        max(0.0, width - WINDOW_MM.x1 * POINTS_PER_MM),
        max(0.0, WINDOW_MM.y0 * POINTS_PER_MM),
    )
    bitmap = page.render(scale=OCR_DPI / 72, crop=crop)
    return bitmap.to_pil().convert("L")


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_lines(image: Image.Image) -> list[TextLine]:
    """The lines Tesseract reads (French) in the window image; [] when it cannot run."""
    tesseract = tesseract_path()
    if tesseract is None:
        logger.error("Tesseract is not installed: scanned addresses cannot be read")
        return []
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    try:
        result = subprocess.run(
            [tesseract, "stdin", "stdout", "-l", "fra", "--psm", "6", "--dpi", str(OCR_DPI), "tsv"],
            input=buffer.getvalue(), capture_output=True, timeout=OCR_TIMEOUT, check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except subprocess.TimeoutExpired:
        logger.warning("Tesseract timed out after %s s", OCR_TIMEOUT)
        return []
    if result.returncode != 0:
        logger.error("Tesseract failed (exit %s): %s", result.returncode, result.stderr.decode(errors="replace")[-500:])
        return []
    return lines_from_tsv(result.stdout.decode("utf-8", errors="replace"))


def lines_from_tsv(tsv: str) -> list[TextLine]:
    words: dict[tuple[str, str, str], list[tuple[int, int, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        if float(row.get("conf") or -1) < OCR_MIN_WORD_CONFIDENCE and not any(ch.isalnum() for ch in text):
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        words.setdefault(key, []).append((int(row["top"]), int(row["top"]) + int(row["height"]), text))
    lines = []
    for group in words.values():
        text = " ".join(word for _top, _bottom, word in group)
        top = WINDOW_MM.y0 + min(w[0] for w in group) * 25.4 / OCR_DPI
        bottom = WINDOW_MM.y0 + max(w[1] for w in group) * 25.4 / OCR_DPI
        lines.append(TextLine(text=text, top_mm=top, bottom_mm=bottom))
    return sorted(lines, key=lambda line: line.top_mm)


def cleaned(text: str) -> str:
    return " ".join(text.split()).strip(EDGE_NOISE)


def postal_line(text: str) -> re.Match | None:
    found = POSTAL_LINE.match(text)
    if found is None or not "01" <= found["code"][:2] <= "98":
        return None
    return found


def address_parse(lines: list[TextLine], *, source: str) -> DetectedAddress | None:
    lines = [TextLine(cleaned(line.text), line.top_mm, line.bottom_mm) for line in lines]
    lines = [line for line in lines if line.text]
    postal_index = next((i for i in range(len(lines) - 1, -1, -1) if postal_line(lines[i].text)), None)
    if postal_index is None or postal_index == 0:
        return None
    block = [lines[postal_index]]
    index = postal_index - 1
    while index >= 0 and len(block) <= MAX_LINES_ABOVE_POSTAL_LINE:
        above, below = lines[index], block[0]
        line_height = max(above.bottom_mm - above.top_mm, 1.0)
        if below.top_mm - above.bottom_mm > 0.9 * line_height:  # a blank line: the block starts below it
            break
        block.insert(0, above)
        index -= 1
    if len(block) < 2:
        return None
    found = postal_line(block[-1].text)
    return DetectedAddress(
        lines=tuple(line.text for line in block),
        name=block[0].text,
        address_lines=tuple(line.text for line in block[1:-1]),
        postal_code=found["code"],
        city=" ".join(found["city"].split()),
        first_line_top_mm=round(block[0].top_mm, 1),
        source=source,
    )
