"""Uploaded files: type decided by their content (never their name), size limited, French errors.

``check_upload`` is the one door for every uploaded file:

- libmagic names the kind of content; a ZIP container is then opened and its layout checked
  for real (OOXML: ``[Content_Types].xml`` declaring the main part of the type; OpenDocument:
  the ``mimetype`` entry), with nothing outside the folders of that type (no ``payload.exe``
  beside ``xl/``), no encrypted entry, no zip bomb, and every entry readable (CRC checked);
- legacy OLE files (.xls, .doc, .ppt) are accepted only when libmagic recognises their kind;
  a password-protected Office file (an encrypted OLE container) is refused;
- PDFs are opened with pypdf: encrypted (password to open), corrupt and page-less ones are
  refused; images are verified with Pillow.

``stored_name`` is the one place that names a stored file: ``<safe base name>.<extension of the
detected type>`` — never the uploader's extension.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

import magic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from portal.errors import ApplicationError


@dataclass(frozen=True)
class FileType:
    mime: str
    label: str  # the word users know, in error messages: "PDF", "Excel"…
    extension: str  # of the stored and served file name


PDF_TYPE = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLS = "application/vnd.ms-excel"
DOC = "application/msword"
PPT = "application/vnd.ms-powerpoint"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

TYPES = {
    file_type.mime: file_type
    for file_type in (
        FileType(PDF_TYPE, "PDF", "pdf"),
        FileType(XLSX, "Excel", "xlsx"),
        FileType(XLS, "Excel", "xls"),
        FileType(DOCX, "Word", "docx"),
        FileType(DOC, "Word", "doc"),
        FileType(PPTX, "PowerPoint", "pptx"),
        FileType(PPT, "PowerPoint", "ppt"),
        FileType(ODT, "LibreOffice", "odt"),
        FileType(ODS, "LibreOffice", "ods"),
        FileType(ODP, "LibreOffice", "odp"),
        FileType("image/png", "PNG", "png"),
        FileType("image/jpeg", "JPEG", "jpg"),
        FileType("image/tiff", "TIFF", "tif"),
        FileType("image/gif", "GIF", "gif"),
    )
}
UNKNOWN_TYPE = FileType("application/octet-stream", "fichier", "bin")


def _group(*mimes: str) -> dict[str, str]:
    """``{mime: label}``: what ``check_upload(allowed=…)`` takes."""
    return {mime: TYPES[mime].label for mime in mimes}


PDF = _group(PDF_TYPE)
EXCEL = _group(XLSX, XLS)
WORD = _group(DOCX, DOC)
POWERPOINT = _group(PPTX, PPT)
OPENDOCUMENT = _group(ODT, ODS, ODP)
OFFICE = {**WORD, **EXCEL, **POWERPOINT, **OPENDOCUMENT}
IMAGES = _group("image/png", "image/jpeg", "image/tiff", "image/gif")


@dataclass(frozen=True)
class ZipLayout:
    """Where the main part of an office document lives, and which top-level names it may hold."""

    mime: str
    main_part: str
    main_content_type: str = ""  # OOXML: declared in [Content_Types].xml
    roots: tuple[str, ...] = ()


OOXML_ROOTS = ("[Content_Types].xml", "_rels/", "docProps/", "customXml/", "docMetadata/", "_xmlsignatures/")
OOXML_LAYOUTS = (
    ZipLayout(XLSX, "xl/workbook.xml",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", ("xl/",)),
    ZipLayout(DOCX, "word/document.xml",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", ("word/",)),
    ZipLayout(PPTX, "ppt/presentation.xml",
              "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", ("ppt/",)),
)
ODF_ROOTS = ("mimetype", "content.xml", "styles.xml", "meta.xml", "settings.xml", "manifest.rdf", "layout-cache",
             "META-INF/", "Pictures/", "Thumbnails/", "Configurations2/", "ObjectReplacements/", "Object ")
ODF_LAYOUTS = tuple(ZipLayout(mime, "content.xml") for mime in (ODT, ODS, ODP))
ZIP_TYPES = {layout.mime for layout in OOXML_LAYOUTS + ODF_LAYOUTS}
OLE_TYPES = {XLS, DOC, PPT}  # as libmagic names them when it recognises the kind

# Names no office document carries: programs, scripts, web pages, macros.
ACTIVE_CONTENT = re.compile(
    r"\.(exe|dll|com|scr|pif|cpl|msi|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|jar|sh|py|lnk|html?|xhtml|mht|php)$"
    r"|(^|/)vbaProject\.bin$",
    re.IGNORECASE,
)
MAX_ARCHIVE_ENTRIES = 10_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an office file's XML compresses 10–20 times, a zip bomb thousands
MAX_COMPRESSION_RATIO = 200
MAX_XML_BYTES = 2 * 1024 * 1024  # [Content_Types].xml, mimetype, manifest.xml are a few kilobytes

PASSWORD_MESSAGE = ("Ce fichier est protégé par un mot de passe : enregistrez-le sans protection puis "
                    "déposez-le à nouveau.")
CORRUPT_MESSAGE = ("Ce fichier est endommagé ou illisible : vérifiez qu'il s'ouvre sur votre poste puis "
                   "déposez-le à nouveau.")


class _Refused(Exception):
    """A reason to refuse the file; ``check_upload`` turns it into an ApplicationError on its field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # the stored name: safe base name + extension of the detected type
    content: bytes
    content_type: str


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo"


def file_type(content_type: str) -> FileType:
    return TYPES.get(content_type, UNKNOWN_TYPE)


def safe_base_name(name: str | None) -> str:
    """The uploader's file name without folders, extension, control or punctuation characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    stem = re.sub(r"[^\w\- ]+", "_", stem)  # \w keeps accented letters; dots, quotes, controls go
    stem = re.sub(r"\s*_[\s_]*", "_", re.sub(r"\s+", " ", stem)).strip(" _-")[:100].strip(" _-")
    return stem or "document"


def stored_name(name: str | None, content_type: str) -> str:
    """The one rule for a stored (and served) file name: ``<safe base name>.<extension of the type>``."""
    return f"{safe_base_name(name)}.{file_type(content_type).extension}"


def check_upload(
    upload: UploadedFile | None,
    *,
    allowed: dict[str, str],
    field: str = "document",
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Read an upload after checking its size and its real type and layout (not its name)."""
    if upload is None:
        raise ApplicationError("Choisissez un fichier.", field=field)
    limit = max_bytes or settings.PORTAL_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ApplicationError(f"Le fichier dépasse la taille maximale de {human_size(limit)}.", field=field)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ApplicationError(f"Le fichier dépasse la taille maximale de {human_size(limit)}.", field=field)
    if not content:
        raise ApplicationError("Le fichier est vide.", field=field)
    try:
        detected = content_type_of(content, allowed=allowed)
        if detected not in allowed:
            kinds = ", ".join(sorted(set(allowed.values())))
            raise _Refused(f"Ce fichier n'est pas d'un type accepté ({kinds}) : son contenu ne correspond pas.")
        _check_readable(detected, content)
    except _Refused as refused:
        raise ApplicationError(refused.message, field=field) from None
    return CheckedUpload(name=stored_name(upload.name, detected), content=content, content_type=detected)


def content_type_of(content: bytes, *, allowed: dict[str, str] | None = None) -> str:
    """The type of the content: libmagic's answer, made exact for containers (ZIP opened and
    checked when an office type is expected)."""
    detected = magic.from_buffer(content, mime=True)
    expects_office = allowed is None or any(mime in OFFICE for mime in allowed)
    if content.startswith(b"PK\x03\x04") or detected == "application/zip" or detected in ZIP_TYPES:
        return _zip_type(content) if expects_office else "application/zip"
    if detected == "application/encrypted" and expects_office:
        raise _Refused(PASSWORD_MESSAGE)
    return detected


# ------------------------------------------------------------------------------ containers


def _zip_type(content: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _Refused(CORRUPT_MESSAGE) from None
    with archive:
        _check_sizes(entries)
        if any(entry.flag_bits & 0x1 for entry in entries):
            raise _Refused(PASSWORD_MESSAGE)
        names = [entry.filename for entry in entries]
        if "[Content_Types].xml" in names:
            layout = _ooxml_layout(archive, names)
        elif "mimetype" in names:
            layout = _odf_layout(archive, names)
        else:
            layout = None
        if layout is None:
            return "application/zip"
        _check_entries(names, layout)
        _check_integrity(archive, entries)
        return layout.mime


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    limit = human_size(MAX_UNCOMPRESSED_BYTES)
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise _Refused(f"Ce fichier contient trop d'éléments ({len(entries)}) : il est refusé.")
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES or any(
        entry.file_size > 1024 * 1024 and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
        for entry in entries
    ):
        raise _Refused(f"Ce fichier est trop volumineux une fois décompressé (plus de {limit}) : il est refusé.")


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        with archive.open(name) as handle:
            data = handle.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, EOFError, OSError):
        raise _Refused(CORRUPT_MESSAGE) from None
    if len(data) > MAX_XML_BYTES:
        raise _Refused(CORRUPT_MESSAGE)
    return data


def _xml(data: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # never in these parts; refused before parsing
        raise _Refused(CORRUPT_MESSAGE)
    try:
        return ElementTree.fromstring(data)  # noqa: S314 — bounded size, no DTD
    except ElementTree.ParseError:
        raise _Refused(CORRUPT_MESSAGE) from None


def _ooxml_layout(archive: zipfile.ZipFile, names: list[str]) -> ZipLayout | None:
    """The OOXML type whose main part ``[Content_Types].xml`` declares and the archive holds."""
    declared = {}
    for element in _xml(_read_small(archive, "[Content_Types].xml")).iter():
        if element.tag.rsplit("}", 1)[-1] == "Override":
            declared[element.get("PartName", "").lstrip("/")] = element.get("ContentType", "")
    found = [layout for layout in OOXML_LAYOUTS
             if declared.get(layout.main_part) == layout.main_content_type and layout.main_part in names]
    return found[0] if len(found) == 1 else None


def _odf_layout(archive: zipfile.ZipFile, names: list[str]) -> ZipLayout | None:
    """The OpenDocument type its ``mimetype`` entry names, with its content and manifest present."""
    mimetype = _read_small(archive, "mimetype").decode("ascii", errors="replace").strip()
    layout = next((layout for layout in ODF_LAYOUTS if layout.mime == mimetype), None)
    if layout is None or layout.main_part not in names or "META-INF/manifest.xml" not in names:
        return None
    manifest = _read_small(archive, "META-INF/manifest.xml")
    if b"encryption-data" in manifest:  # ODF encrypts the parts, not the ZIP entries
        raise _Refused(PASSWORD_MESSAGE)
    _xml(manifest)
    return layout


def _check_entries(names: list[str], layout: ZipLayout) -> None:
    """Nothing outside the folders of the declared type, no program, page or macro inside."""
    roots = (OOXML_ROOTS if layout in OOXML_LAYOUTS else ODF_ROOTS) + layout.roots
    label = file_type(layout.mime).label
    for name in names:
        parts = name.split("/")
        unexpected = (
            name.startswith("/") or "\\" in name or ".." in parts or "\x00" in name
            or not any(name == root or (root.endswith(("/", " ")) and name.startswith(root)) for root in roots)
            or ACTIVE_CONTENT.search(name)
        )
        if unexpected:
            shown = name if len(name) <= 60 else name[:57] + "…"
            raise _Refused(f"Ce fichier {label} contient un élément inattendu (« {shown} ») : il est refusé.")


def _check_integrity(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Read every entry (sizes already bounded): a damaged or lying archive fails its CRC here."""
    try:
        for entry in entries:
            if entry.is_dir():
                continue
            with archive.open(entry) as handle:
                while handle.read(1024 * 1024):
                    pass
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, ValueError, EOFError, OSError):
        raise _Refused(CORRUPT_MESSAGE) from None


# ------------------------------------------------------------------------- PDFs and images


def _check_readable(content_type: str, content: bytes) -> None:
    if content_type == PDF_TYPE:
        _check_pdf(content)
    elif content_type.startswith("image/"):
        _check_image(content)


def _check_pdf(content: bytes) -> None:
    """Refuse PDFs that need a password to open, that cannot be read, or that have no page."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise _Refused(PASSWORD_MESSAGE)
            pages = len(reader.pages)
    except (FileNotDecryptedError, DependencyError):
        raise _Refused(PASSWORD_MESSAGE) from None
    except _Refused:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, OSError, RecursionError,
            ZeroDivisionError, AssertionError):
        raise _Refused(CORRUPT_MESSAGE) from None
    if pages == 0:
        raise _Refused("Ce PDF ne contient aucune page.")


def _check_image(content: bytes) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Refused("Cette image est trop grande (nombre de pixels) : réduisez-la puis déposez-la à nouveau.") \
            from None
    except Exception:  # Pillow raises many kinds of errors on damaged images
        raise _Refused(CORRUPT_MESSAGE) from None
