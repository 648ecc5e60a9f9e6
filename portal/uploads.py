"""Uploaded files: type checked on content (libmagic), size limited, French errors."""

from __future__ import annotations

from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from portal.errors import ApplicationError

PDF = {"application/pdf": "PDF"}
EXCEL = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-excel": "Excel",
    "application/x-ole-storage": "Excel",  # legacy .xls as libmagic sometimes names it
    "application/CDFV2": "Excel",
}
IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF", "image/gif": "GIF"}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content: bytes
    content_type: str


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo"


def check_upload(
    upload: UploadedFile | None,
    *,
    allowed: dict[str, str],
    field: str = "document",
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Read an upload after checking its size and its real type (not its name)."""
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
    detected = magic.from_buffer(content[:65536], mime=True)
    if detected == "application/zip" and b"xl/" in content[:65536] and any(
        "spreadsheetml" in mime for mime in allowed
    ):
        detected = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if detected not in allowed:
        kinds = ", ".join(sorted(set(allowed.values())))
        raise ApplicationError(
            f"Ce fichier n'est pas d'un type accepté ({kinds}) : son contenu ne correspond pas.", field=field
        )
    name = (upload.name or "document").rsplit("/", 1)[-1][:200]
    return CheckedUpload(name=name, content=content, content_type=detected)
