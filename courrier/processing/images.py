"""Images (PNG, JPEG, GIF, TIFF) laid out on A4 pages, one page per printed picture.

- A multi-page TIFF gives one page per frame (a scanner or a fax writes one frame per sheet).
- A GIF gives its first frame only: an animation cannot be printed, and a GIF document (a
  scanned form, a chart) is a single picture; the same goes for animated PNG and MPO JPEG.
- A picture with the proportions of an A4 sheet (within 3 %) is a scanned page: it fills the
  page, so that an address scanned in the envelope window stays in the window. Any other
  picture is fitted inside 10 mm margins, centred, aspect ratio kept, scaled up or down. The
  page is portrait or landscape as the picture is (after its EXIF orientation).
- JPEG photos (greyscale or RGB) are embedded as they are (no re-compression); the other
  pictures are embedded losslessly (Flate), transparency flattened on white.
"""

from __future__ import annotations

import io
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from .pdf import stream_reference, writer_bytes
from .values import A4_POINTS, POINTS_PER_MM, ProcessedPdf, refuse

PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/tiff": "TIFF"}
MARGIN_MM = 10
FULL_PAGE_TOLERANCE = 0.03
MAX_PIXELS_PER_FRAME = 80_000_000  # ~ an A4 page scanned at 1000 dpi; Pillow refuses bombs beyond
MAX_FRAMES = 190  # 95 sheets printed on both sides

EMPTY_FILE = "Le fichier est vide."
UNREADABLE = "Cette image est endommagée ou illisible : enregistrez-la de nouveau (PNG, JPEG, TIFF ou GIF)."
TOO_LARGE = "Cette image est trop grande pour être imprimée : réduisez sa définition puis ajoutez-la de nouveau."
TOO_MANY_FRAMES = f"Cette image TIFF compte plus de {MAX_FRAMES} pages : découpez-la en plusieurs fichiers."
NOT_AN_IMAGE = "Ce fichier n'est pas une image PNG, JPEG, TIFF ou GIF."


PILLOW_SETTINGS_LOCK = threading.Lock()


@contextmanager
def truncated_images_refused() -> Iterator[None]:
    """WeasyPrint sets Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` when it is imported, and
    Pillow then fills a truncated picture with grey instead of failing: we want the failure."""
    with PILLOW_SETTINGS_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def image_to_pdf(content: bytes, *, content_type: str) -> ProcessedPdf:
    if content_type not in PILLOW_FORMATS:
        raise refuse(NOT_AN_IMAGE)
    if not content:
        raise refuse(EMPTY_FILE)
    with truncated_images_refused():
        return image_pages(content)


def image_pages(content: bytes) -> ProcessedPdf:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
        with image:
            if image.format not in PILLOW_FORMATS.values() and image.format != "MPO":
                raise refuse(NOT_AN_IMAGE)
            writer = PdfWriter()
            for index, frame in enumerate(frames_of(image)):
                if index >= MAX_FRAMES:
                    raise refuse(TOO_MANY_FRAMES)
                if frame.width * frame.height > MAX_PIXELS_PER_FRAME:
                    raise refuse(TOO_LARGE)
                frame_add(writer, frame, original=content if image.format == "JPEG" else None)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse(TOO_LARGE)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, zlib.error):
        raise refuse(UNREADABLE)
    return ProcessedPdf(pdf=writer_bytes(writer), pages=len(writer.pages))


def frames_of(image: Image.Image):
    if image.format == "TIFF":
        yield from ImageSequence.Iterator(image)
    else:
        image.seek(0)
        yield image


def page_layout(width_px: int, height_px: int) -> tuple[float, float, float, float, float, float]:
    """(page width, page height, x, y, drawn width, drawn height) in points."""
    page_width, page_height = A4_POINTS if width_px <= height_px else (A4_POINTS[1], A4_POINTS[0])
    ratio, page_ratio = width_px / height_px, page_width / page_height
    margin = 0.0 if abs(ratio - page_ratio) <= FULL_PAGE_TOLERANCE * page_ratio else MARGIN_MM * POINTS_PER_MM
    scale = min((page_width - 2 * margin) / width_px, (page_height - 2 * margin) / height_px)
    width, height = width_px * scale, height_px * scale
    return page_width, page_height, (page_width - width) / 2, (page_height - height) / 2, width, height


def frame_add(writer: PdfWriter, frame: Image.Image, *, original: bytes | None) -> None:
    frame.load()  # decodes the whole frame: a truncated or corrupt file fails here, even a JPEG kept as it is
    orientation = frame.getexif().get(0x0112, 1)
    upright = ImageOps.exif_transpose(frame) if orientation not in (None, 1) else frame
    xobject = image_xobject(upright, jpeg=original if orientation in (None, 1) else None)
    page_width, page_height, x, y, width, height = page_layout(upright.width, upright.height)
    page = writer.add_blank_page(page_width, page_height)
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(xobject)}),
    })
    drawing = f"q {width:.3f} 0 0 {height:.3f} {x:.3f} {y:.3f} cm /Im0 Do Q".encode()
    page[NameObject("/Contents")] = stream_reference(writer, drawing)


def image_xobject(image: Image.Image, *, jpeg: bytes | None) -> StreamObject:
    if jpeg is not None and image.mode in ("L", "RGB"):
        data, filter_name, mode = jpeg, "/DCTDecode", image.mode
    else:
        if image.mode not in ("1", "L", "RGB"):
            image = flattened(image)
        data, filter_name, mode = deflated(image.tobytes()), "/FlateDecode", image.mode
    stream = StreamObject()
    stream.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(image.width),
        NameObject("/Height"): NumberObject(image.height),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB" if mode == "RGB" else "/DeviceGray"),
        NameObject("/BitsPerComponent"): NumberObject(1 if mode == "1" else 8),
        NameObject("/Filter"): NameObject(filter_name),
    })
    stream.set_data(data)
    return stream


def deflated(raw: bytes) -> bytes:
    """zlib level 6 where it pays (scans, drawings: 2 to 3 times smaller than level 1), level 1
    on photo-like pixels that hardly compress (level 6 would take ten times longer for 5 %)."""
    sample = raw[: 1 << 20]
    level = 6 if len(zlib.compress(sample, 1)) < 0.25 * len(sample) else 1
    return zlib.compress(raw, level)


def flattened(image: Image.Image) -> Image.Image:
    """RGB or greyscale, any transparency laid on white."""
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        grey = image.mode.startswith("L")
        image = image.convert("LA" if grey else "RGBA")
        background = Image.new(image.mode, image.size, (255, 255) if grey else (255, 255, 255, 255))
        return Image.alpha_composite(background.convert("RGBA"), image.convert("RGBA")).convert("L" if grey else "RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return ImageOps.autocontrast(image.convert("I").point(lambda value: value / 256).convert("L"))
    return image.convert("RGB")
