"""The PDFs of a letter (the termination letter, the pre-filled mandate) and uploaded files.

Rendering never happens inside a database transaction (``portal.pdf`` refuses): callers read
what they need, render, then store in a short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import magic
from django.conf import settings

from portal.errors import ApplicationError
from portal.pdf import pdf_render
from resiliation import conf, rules
from resiliation.models import LetterStatus, SenderMode, TerminationLetter

PDF_AND_IMAGES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
ATTACHMENT_TYPES = {
    **PDF_AND_IMAGES,
    "image/tiff": "tif",
    "image/gif": "gif",
}


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    name: str
    content_type: str


def upload_check(upload, *, allowed: dict[str, str], field: str) -> CheckedUpload:
    """Read an uploaded file, checking its size and its type on its content (python-magic)."""
    if upload is None:
        raise ApplicationError("Choisissez un fichier.", field=field)
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ApplicationError(f"Le fichier dépasse la taille maximale de {limit // (1024 * 1024)} Mo.", field=field)
    content = upload.read()
    if len(content) > limit:
        raise ApplicationError(f"Le fichier dépasse la taille maximale de {limit // (1024 * 1024)} Mo.", field=field)
    if not content:
        raise ApplicationError("Le fichier est vide.", field=field)
    content_type = magic.from_buffer(content[:8192], mime=True)
    if content_type not in allowed:
        kinds = ", ".join(sorted({ext.upper() for ext in allowed.values()}))
        raise ApplicationError(f"Ce type de fichier n'est pas accepté (formats acceptés : {kinds}).", field=field)
    name = (getattr(upload, "name", "") or f"document.{allowed[content_type]}").rsplit("/", 1)[-1][:200]
    return CheckedUpload(content=content, name=name, content_type=content_type)


def sender_block(letter: TerminationLetter) -> dict:
    if letter.sender_mode == SenderMode.PLATFORM:
        address = settings.PORTAL_INSURER_ADDRESS
        return {"name": conf.platform_name(), "lines": address, "orias": "",
                "city": address[-1].split(" ", 1)[-1] if address else ""}
    organisation = letter.organisation
    lines = [line for line in organisation.letter_header.splitlines() if line.strip()] or organisation.address_lines
    return {"name": organisation.signature_name, "lines": lines, "orias": organisation.orias,
            "city": organisation.city}


def letter_context(letter: TerminationLetter, *, letter_date: date, contracts=None) -> dict:
    """Everything the letter template needs, read once (the caller may prefetch)."""
    contracts = list(contracts if contracts is not None else letter.contracts.all())
    reasons = [c.reason for c in contracts]
    mode = rules.letter_mode(reasons) if contracts else None
    reply_to = letter.organisation.email or letter.created_by.email
    return {
        "letter": letter,
        "contracts": contracts,
        "sender": sender_block(letter),
        "place": sender_block(letter)["city"] or letter.city.title(),
        "insurer": letter.insurer,
        "letter_date": letter_date,
        "hamon": mode == rules.DateMode.NEW_CONTRACT_START,
        "reply_to": letter.email if letter.sender_mode == SenderMode.PLATFORM else reply_to,
        "mandate_attached": letter.mandate_choice not in ("", "not_attached") or letter.sender_mode == "platform",
        "draft": letter.status == LetterStatus.DRAFT,
        "vehicle": any(rules.contract_type(c.contract_type).vehicle for c in contracts),
    }


def letter_pdf(letter: TerminationLetter, *, letter_date: date, contracts=None) -> bytes:
    return pdf_render(template_name="resiliation/pdf/letter.html",
                      context=letter_context(letter, letter_date=letter_date, contracts=contracts))


def mandate_pdf(letter: TerminationLetter, *, letter_date: date, contracts=None) -> bytes:
    context = letter_context(letter, letter_date=letter_date, contracts=contracts)
    return pdf_render(template_name="resiliation/pdf/mandate.html", context=context)
