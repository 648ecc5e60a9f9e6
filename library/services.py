"""Writes of the library: staff add a version of a product's document (the admin's add form
checks with ``product_document_check`` then stores with ``product_document_store``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from library.models import DocumentKind, ProductDocument
from portal import pdf, uploads
from portal.errors import ApplicationError
from portal.models import Product, User

# A contract's documents are PDFs; forms may also be office files brokers fill in.
DOCUMENT_TYPES = {**uploads.PDF, **uploads.WORD, **uploads.EXCEL, **uploads.OPENDOCUMENT}
VERSION_MAX_LENGTH = 30
TITLE_MAX_LENGTH = 150


@dataclass(frozen=True)
class CheckedDocument:
    product: Product
    kind: str
    title: str
    version: str
    effective_from: date
    upload: uploads.CheckedUpload


def product_document_check(*, product: Product | None, kind: str, title: str, version: str,
                           effective_from: date | None, upload: UploadedFile | None) -> CheckedDocument:
    """A new version, checked (French errors on their fields): its type is read from its content;
    the version and the date of effect are new within the document's series."""
    if product is None:
        raise ApplicationError("Choisissez le produit.", field="product")
    if kind not in DocumentKind.values:
        raise ApplicationError("Choisissez le type de document.", field="kind")
    title = " ".join((title or "").split()) or DocumentKind(kind).label
    version = " ".join((version or "").split())
    if not version:
        raise ApplicationError("Indiquez la version du document (par exemple « 01-2026 »).", field="version")
    if len(version) > VERSION_MAX_LENGTH:
        raise ApplicationError(f"La version tient en {VERSION_MAX_LENGTH} caractères au plus.", field="version")
    if len(title) > TITLE_MAX_LENGTH:
        raise ApplicationError(f"L'intitulé tient en {TITLE_MAX_LENGTH} caractères au plus.", field="title")
    if effective_from is None:
        raise ApplicationError("Indiquez la date d'effet de cette version.", field="effective_from")
    series = ProductDocument.objects.filter(product=product, kind=kind, title=title)
    if series.filter(version=version).exists():
        raise ApplicationError("Cette version de ce document existe déjà : donnez un autre numéro de version.",
                               field="version")
    if series.filter(effective_from=effective_from).exists():
        raise ApplicationError("Une version de ce document prend déjà effet à cette date.", field="effective_from")
    checked = uploads.check_upload(upload, allowed=DOCUMENT_TYPES, field="upload")
    return CheckedDocument(product=product, kind=kind, title=title, version=version, effective_from=effective_from,
                           upload=checked)


def product_document_store(*, checked: CheckedDocument, by: User | None) -> ProductDocument:
    """Keep a checked version as uploaded (SHA-256 on its stored document)."""
    try:
        with transaction.atomic():
            stored = pdf.document_store(content=checked.upload.content, name=f"{checked.title} {checked.version}",
                                        content_type=checked.upload.content_type)
            return ProductDocument.objects.create(
                product=checked.product, kind=checked.kind, title=checked.title, version=checked.version,
                effective_from=checked.effective_from, document=stored, uploaded_by=by,
            )
    except IntegrityError:  # the same version added at the same moment by someone else
        raise ApplicationError("Cette version de ce document vient d'être déposée par quelqu'un d'autre.",
                               field="version") from None


def product_document_add(*, product: Product, kind: str, title: str, version: str, effective_from: date,
                         upload: UploadedFile | None, by: User | None) -> ProductDocument:
    checked = product_document_check(product=product, kind=kind, title=title, version=version,
                                     effective_from=effective_from, upload=upload)
    return product_document_store(checked=checked, by=by)
