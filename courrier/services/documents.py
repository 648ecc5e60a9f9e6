"""The documents of a draft (seed §8.1): « Ajouter + », conversion, order, removal, and the
address read in the window of the first one.

PDFs and images are processed in the request (``processing.pdf_prepare`` /
``image_to_pdf``); office files are converted to PDF by LibreOffice in a Celery task
(``document_convert``). Heavy work runs outside database transactions; rows are written in
short ones afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from courrier import processing, rules
from courrier.models import DocumentKind, DocumentStatus, Envelope, EnvelopeDocument, Mode, RecipientSource
from courrier.services.content import stored_documents_delete
from courrier.services.envelopes import (
    RECIPIENT_FIELDS,
    check_draft,
    check_may_send_paper_mail,
    envelope_create,
    recipient_sync_from,
)
from portal.errors import ApplicationError
from portal.models import User
from portal.pdf import document_bytes, document_store
from portal.transactions import enqueue_on_commit
from portal.uploads import check_upload

FIELD = "documents"
# « La liste des formats acceptés … : fichiers PDF / images PNG, JPEG, TIFF, GIF / formats
# bureautiques Word, Excel, Powerpoint, LibreOffice », recognised on content (libmagic).
DOCUMENT_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "LibreOffice",
    "application/vnd.oasis.opendocument.spreadsheet": "LibreOffice",
    "application/vnd.oasis.opendocument.presentation": "LibreOffice",
    "application/vnd.oasis.opendocument.graphics": "LibreOffice",
    # Legacy Word / Excel / PowerPoint files as libmagic sometimes names them (OLE containers).
    "application/x-ole-storage": "Word",
    "application/CDFV2": "Excel",
}
OFFICE_WARNING = ("Pour ces formats bureautiques : nous ne pouvons garantir la mise en page de votre document lors "
                  "de la conversion au format PDF. Vérifiez bien l'aperçu final de votre courrier avant de cliquer "
                  "sur le bouton Envoyer.")


@dataclass(frozen=True)
class _Prepared:
    name: str
    content: bytes
    content_type: str
    kind: str
    pdf: bytes | None
    pages: int | None


def _prepare(upload: UploadedFile) -> _Prepared:
    checked = check_upload(upload, allowed=DOCUMENT_TYPES, field=FIELD, max_bytes=rules.MAX_DOCUMENT_BYTES)
    kind = processing.kind_of(checked.content_type)
    try:
        if kind == DocumentKind.PDF:
            processed = processing.pdf_prepare(checked.content)
        elif kind == DocumentKind.IMAGE:
            processed = processing.image_to_pdf(checked.content, content_type=checked.content_type)
        else:
            return _Prepared(checked.name, checked.content, checked.content_type, kind, None, None)
    except ApplicationError as error:
        raise ApplicationError(f"« {checked.name} » : {error.message}", field=FIELD) from error
    return _Prepared(checked.name, checked.content, checked.content_type, kind, processed.pdf, processed.pages)


def _ready_pages(envelope: Envelope) -> list[int]:
    return list(envelope.documents.filter(status=DocumentStatus.READY).values_list("pages", flat=True))


def _prepare_all(envelope: Envelope | None, uploads: Sequence[UploadedFile], *, mode: str, duplex: bool,
                 typed: bool) -> list[_Prepared]:
    """Check and process every file (outside any transaction: PDF work) and the 95 sheets."""
    if not uploads:
        raise ApplicationError("Choisissez au moins un fichier (bouton « Ajouter + »).", field=FIELD)
    prepared = [_prepare(upload) for upload in uploads]
    pages = (_ready_pages(envelope) if envelope is not None else []) + [item.pages for item in prepared if item.pages]
    # The address page counts once it is certain: a typed recipient, or a tracked mode.
    sheets = rules.sheets_count(pages=pages, duplex=duplex, address_page=typed or mode in rules.TRACKED_MODES)
    if sheets > rules.MAX_SHEETS:
        raise ApplicationError(rules.sheets_error(sheets), field=FIELD)
    return prepared


def _store(envelope: Envelope, prepared: Sequence[_Prepared]) -> list[EnvelopeDocument]:
    """Rows and files of prepared documents, after the last one; the caller holds the lock."""
    position = envelope.documents.aggregate(last=Max("position"))["last"] or 0
    created = []
    for item in prepared:
        position += 1
        original = document_store(content=item.content, name=item.name, content_type=item.content_type)
        pdf = None
        if item.pdf is not None:
            pdf = original if item.pdf == item.content else document_store(
                content=item.pdf, name=f"{item.name.rsplit('.', 1)[0]}.pdf", content_type="application/pdf")
        document = EnvelopeDocument.objects.create(
            envelope=envelope, position=position, name=item.name, kind=item.kind, original=original, pdf=pdf,
            pages=item.pages,
            status=DocumentStatus.CONVERTING if item.kind == DocumentKind.OFFICE else DocumentStatus.READY,
        )
        if document.status == DocumentStatus.CONVERTING:
            from courrier.tasks import document_convert_task

            enqueue_on_commit(document_convert_task, document.pk)
        created.append(document)
    return created


def documents_add(*, envelope: Envelope, uploads: Sequence[UploadedFile]) -> list[EnvelopeDocument]:
    """« Ajouter + » one or more files, in this order. All or nothing: a file refused (type
    checked on content, over 10 Mo, protected, corrupt or empty PDF, over 95 sheets) adds none."""
    check_draft(envelope)
    prepared = _prepare_all(envelope, uploads, mode=envelope.mode, duplex=envelope.duplex,
                            typed=envelope.recipient_source == RecipientSource.TYPED)
    with transaction.atomic():
        locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
        check_draft(locked)
        created = _store(locked, prepared)
    envelope_address_refresh(envelope=envelope)
    return created


def envelope_start(*, by: User, now: datetime, uploads: Sequence[UploadedFile], mode: str = Mode.LETTRE_VERTE,
                   colour: bool = True, duplex: bool = True, staple: bool = False) -> Envelope:
    """« Nouveau courrier papier » with its first files: nothing is created when a file is refused."""
    check_may_send_paper_mail(by)
    if mode not in Mode.values:
        raise ApplicationError("Choisissez un mode d'envoi.", field="mode")
    prepared = _prepare_all(None, uploads, mode=mode, duplex=duplex, typed=False)
    with transaction.atomic():
        envelope = envelope_create(by=by, now=now, mode=mode, colour=colour, duplex=duplex, staple=staple)
        _store(envelope, prepared)
    envelope_address_refresh(envelope=envelope)
    return envelope


def document_convert(*, document_id: int, timeout: int = 120) -> bool:
    """Body of the conversion task: LibreOffice outside any transaction, then the PDF stored.
    Idempotent: a document that is no longer being converted is left alone."""
    document = EnvelopeDocument.objects.select_related("original").filter(
        pk=document_id, status=DocumentStatus.CONVERTING).first()
    if document is None or document.original is None:
        return False
    try:
        converted = processing.office_to_pdf(document_bytes(document.original), filename=document.name,
                                             timeout=timeout)
    except ApplicationError as error:
        EnvelopeDocument.objects.filter(pk=document.pk, status=DocumentStatus.CONVERTING).update(
            status=DocumentStatus.FAILED, error=error.message[:300])
        return False
    with transaction.atomic():
        pdf = document_store(content=converted.pdf, name=f"{document.name.rsplit('.', 1)[0]}.pdf",
                             content_type="application/pdf")
        updated = EnvelopeDocument.objects.filter(pk=document.pk, status=DocumentStatus.CONVERTING).update(
            status=DocumentStatus.READY, pdf=pdf, pages=converted.pages)
        if not updated:  # removed or erased meanwhile
            stored_documents_delete(ids=[pdf.pk])
            return False
    envelope_address_refresh(envelope=Envelope.objects.get(pk=document.envelope_id))
    return True


def document_remove(*, envelope: Envelope, document: EnvelopeDocument) -> None:
    """Remove a document of a draft (its files too); the others keep their order."""
    check_draft(envelope)
    with transaction.atomic():
        locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
        check_draft(locked)
        row = EnvelopeDocument.objects.filter(pk=document.pk, envelope=locked).first()
        if row is None:
            raise ApplicationError("Ce document ne fait pas partie du courrier.", field=FIELD)
        stored = {row.original_id, row.pdf_id}
        row.delete()
        stored_documents_delete(ids=stored)
        _renumber(locked, [d.pk for d in locked.documents.all()])
    envelope_address_refresh(envelope=envelope)


def _renumber(envelope: Envelope, ordered_ids: list[int]) -> None:
    rows = {d.pk: d for d in envelope.documents.all()}
    changed = []
    for position, pk in enumerate(ordered_ids, start=1):
        if rows[pk].position != position:
            rows[pk].position = position
            changed.append(rows[pk])
    EnvelopeDocument.objects.bulk_update(changed, ["position"])


def documents_reorder(*, envelope: Envelope, order: Sequence[int]) -> None:
    """Drag and drop: the new order of every document of the draft."""
    check_draft(envelope)
    with transaction.atomic():
        locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
        check_draft(locked)
        current = list(locked.documents.values_list("pk", flat=True))
        if sorted(order) != sorted(current) or len(set(order)) != len(order):
            raise ApplicationError("L'ordre reçu ne correspond pas aux documents du courrier : rechargez la page.",
                                   field=FIELD)
        _renumber(locked, list(order))
    envelope_address_refresh(envelope=envelope)


def document_move(*, envelope: Envelope, document: EnvelopeDocument, direction: str) -> None:
    """« Monter » / « Descendre » (keyboard)."""
    ids = list(envelope.documents.values_list("pk", flat=True))
    if document.pk not in ids or direction not in ("up", "down"):
        raise ApplicationError("Déplacement impossible.", field=FIELD)
    index = ids.index(document.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    documents_reorder(envelope=envelope, order=ids)


# ---------------------------------------------------------------------- address in the window


def _detected(document: EnvelopeDocument) -> dict | None:
    """Read (once) the address in the window of page 1 of a ready document."""
    if document.address_checked:
        return document.address
    found = processing.address_detect(document_bytes(document.pdf))
    address = None
    if found is not None and not rules.address_errors(rules.AddressInput(
            name=found.name, address_lines=found.address_lines, postal_code=found.postal_code, city=found.city)):
        address = asdict(found)
        address["lines"], address["address_lines"] = list(found.lines), list(found.address_lines)
    EnvelopeDocument.objects.filter(pk=document.pk).update(address=address, address_checked=True)
    document.address, document.address_checked = address, True
    return address


def first_document_address(*, envelope: Envelope) -> dict | None:
    """The address read in the window of the first document, or None (not found, or the first
    document is still being converted)."""
    first = envelope.documents.select_related("pdf").first()
    if first is None or first.status != DocumentStatus.READY or first.pdf is None:
        return None
    return _detected(first)


def envelope_address_refresh(*, envelope: Envelope) -> None:
    """After the documents changed: read the first one's window (outside transactions), and
    when the recipient is « l'adresse du premier document », follow it."""
    detected = first_document_address(envelope=envelope)
    with transaction.atomic():
        locked = Envelope.objects.select_for_update().get(pk=envelope.pk)
        if locked.status != "draft" or locked.recipient_source != RecipientSource.DOCUMENT:
            return
        recipient_sync_from(locked, detected)
        locked.save(update_fields=[*RECIPIENT_FIELDS, "updated_at"])
    envelope.refresh_from_db()
