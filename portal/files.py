"""The one way a stored document leaves the portal (pages, admin, signed public links).

Views check who may see the row; this module decides how the bytes go out: the type detected
at upload and stored on the row (``Content-Type``), a name derived from that type, an
``attachment`` disposition (RFC 6266, built by Django) — only a PDF may be shown ``inline``, in
the pages' preview frames — and ``nosniff`` so that no browser second-guesses the type.
"""

from __future__ import annotations

from django.http import FileResponse

from portal import uploads
from portal.models import StoredDocument

INLINE_TYPES = {uploads.PDF_TYPE}


def served_type(document: StoredDocument) -> str:
    """The stored (detected) type when the portal knows it, else an opaque binary."""
    known = uploads.TYPES.get(document.content_type)
    return known.mime if known else uploads.UNKNOWN_TYPE.mime


def served_name(document: StoredDocument, name: str | None = None) -> str:
    """``name`` (or the stored name) with the extension of the served type, never another one."""
    return uploads.stored_name(name or document.original_name, served_type(document))


def document_response(document: StoredDocument, *, name: str | None = None, inline: bool = False) -> FileResponse:
    content_type = served_type(document)
    response = FileResponse(
        document.file.open("rb"),
        content_type=content_type,
        as_attachment=not (inline and content_type in INLINE_TYPES),
        filename=served_name(document, name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
