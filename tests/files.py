"""Real sample files for upload tests, built in memory (or read from ``tests/portal/files/``, made
by LibreOffice 7.4 with ``soffice --headless --convert-to <ext>``), so that libmagic, zipfile,
pypdf and Pillow judge genuine content."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

FILES = Path(__file__).parent / "portal" / "files"


def pdf_bytes(*, pages: int = 1, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    """A real PDF (pypdf), optionally encrypted (RC4: needs no extra library)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password=user_password or "", owner_password=owner_password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_BYTES = pdf_bytes()


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG_BYTES = png_bytes()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Échéancier"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sample(name: str) -> bytes:
    """A file saved by LibreOffice (releve.xls, lettre.doc, lettre.docx, releve.xlsx, diapo.pptx,
    lettre.odt, releve.ods, diapo.odp)."""
    return (FILES / name).read_bytes()


def zip_bytes(entries: dict[str, bytes | str], *, stored: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else None)
    return buffer.getvalue()


def with_entries(content: bytes, extra: dict[str, bytes | str]) -> bytes:
    """The same ZIP container with more entries."""
    source = zipfile.ZipFile(io.BytesIO(content))
    entries = {info.filename: source.read(info) for info in source.infolist()}
    return zip_bytes({**entries, **extra}, stored=("mimetype",))


def without_entries(content: bytes, *names: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    return zip_bytes({info.filename: source.read(info) for info in source.infolist() if info.filename not in names},
                     stored=("mimetype",))


def cfb_bytes(streams: dict[str, bytes]) -> bytes:
    """A Compound File Binary (OLE2) container — the format of .xls/.doc and of password-protected
    Office files — holding these streams (padded to 4 KiB: no mini stream; four streams at most)."""
    sector, free, end, fat_sector, no_stream = 512, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    streams = {name: data.ljust(4096, b"\0") for name, data in streams.items()}
    assert len(streams) <= 3
    fat, starts, body, next_sector = [fat_sector, end], [], b"", 2
    for data in streams.values():
        count = -(-len(data) // sector)
        starts.append(next_sector)
        fat += [next_sector + index + 1 for index in range(count - 1)] + [end]
        body += data.ljust(count * sector, b"\0")
        next_sector += count
    assert len(fat) <= sector // 4
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIQ", raw.ljust(64, b"\0"), len(raw), kind, 1, no_stream, right, child,
                           b"\0" * 16, 0, 0, 0, start, size)

    names = list(streams)
    directory = entry("Root Entry", 5, 1 if names else no_stream, no_stream, end, 0)
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else no_stream
        directory += entry(name, 2, no_stream, right, starts[index], len(streams[name]))
    header = struct.pack("<8s16sHHHHH6s9I", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6,
                         b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory.ljust(sector, b"\0") + body


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
