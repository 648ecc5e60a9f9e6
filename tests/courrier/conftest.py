"""Fixtures of the paper-mail tests: documents made on the fly (a letter with its address in
the envelope window, a PNG, an OpenDocument text), envelopes built through the services, a
funded account, signed webhook deliveries."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courrier import conf, services
from courrier.rules import AddressInput
from portal import clock
from portal.models import Area
from portal.webhooks import signature_header

RECIPIENT = AddressInput(name="SARL DUPOND", address_lines=("1 rue des Fleurs",), postal_code="38000",
                         city="GRENOBLE")


@lru_cache(maxsize=32)
def letter_pdf(pages: int = 1, *, address: bool = True, title: str = "Objet : votre contrat") -> bytes:
    """A text PDF of ``pages`` A4 pages; page 1 carries "Mr DUPONT Jean / 1 Rue de la
    République / 38000 GRENOBLE" in the DL window (x 100–200 mm, y 45–95 mm)."""
    from portal.pdf import pdf_from_html

    window = ('<div style="position:absolute;left:110mm;top:60mm;font:11pt sans-serif;line-height:1.3">'
              "Mr DUPONT Jean<br>1 Rue de la République<br>38000 GRENOBLE</div>") if address else ""
    body = "".join(f'<section style="page-break-after:always"><p style="margin-top:120mm">{title} — page {n}</p>'
                   "</section>" for n in range(1, pages + 1))
    html = (f"<html><head><style>@page {{ size: A4; margin: 0 }} body {{ margin: 0 }}</style></head>"
            f"<body>{window}{body}</body></html>")
    return pdf_from_html(html)


@lru_cache(maxsize=4)
def png_bytes(width: int = 300, height: int = 200) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((10, 10), "Facture", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def odt_bytes(text: str = "Bonjour, voici notre courrier.") -> bytes:
    """A minimal OpenDocument text (libmagic recognises it by its first, stored member)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:body><office:text><text:p>{text}</text:p></office:text></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_upload(name: str = "lettre.pdf", pages: int = 1, *, address: bool = True) -> SimpleUploadedFile:
    return upload(name, letter_pdf(pages, address=address), "application/pdf")


@pytest.fixture
def courrier_collaborator(collaborator, delegate):
    delegate(collaborator, [], areas=(Area.COURRIER,), name="Courrier")
    return collaborator


@pytest.fixture
def funded(db, accounting_user):
    """Credit an organisation through billing (a staff adjustment)."""
    from billing import services as billing

    def _fund(organisation, amount="50.00"):
        billing.price_list_install_defaults()  # flushed by transactional tests
        billing.account_adjust(organisation=organisation, amount=Decimal(amount), reason="Crédit de test",
                               by=accounting_user, on=clock.business_today())

    return _fund


@pytest.fixture
def balance(db):
    from billing import services as billing

    def _balance(organisation) -> Decimal:
        return billing.account_for(organisation=organisation).balance

    return _balance


@pytest.fixture
def make_envelope(db):
    """A draft with documents (uploads, in order) and, unless told, a typed recipient."""

    def _make(user, *, uploads=None, mode="lettre_verte", recipient="typed", sender=False, **options):
        envelope = services.envelope_create(by=user, now=clock.local_now(), mode=mode, **options)
        documents = uploads if uploads is not None else [pdf_upload()]
        if documents:
            services.documents_add(envelope=envelope, uploads=documents)
        if recipient == "typed":
            services.envelope_recipient_type(envelope=envelope, address=RECIPIENT)
        elif recipient == "document":
            services.envelope_recipient_from_document(envelope=envelope)
        if sender:
            services.envelope_sender_from_organisation(envelope=envelope)
        envelope.refresh_from_db()
        return envelope

    return _make


@pytest.fixture
def send(db):
    """Validate a draft at its current price (« Envoyer maintenant » unless ``send_on``)."""

    def _send(envelope, user, *, send_on=None):
        quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
        return services.envelope_send(envelope=envelope, by=user, accepted_price=quote.total, send_on=send_on,
                                      now=clock.local_now(), calendar=clock.business_calendar())

    return _send


def signed_event(*, event_type: str, reference: str, occurred_at: datetime, data: dict | None = None,
                 event_id: str | None = None, timestamp: int | None = None,
                 secret: bytes | None = None) -> tuple[bytes, str]:
    body = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "type": event_type, "reference": reference,
                       "occurred_at": occurred_at.isoformat(), "data": data or {}}).encode()
    header = signature_header(body, secret=secret or conf.webhook_secret(),
                              timestamp=timestamp if timestamp is not None else int(timezone.now().timestamp()))
    return body, header


@pytest.fixture(autouse=True)
def _no_stray_webhooks(settings, request):
    """Sandbox webhooks never reach a real server from a test (browser tests set the live server)."""
    if "live_server" not in request.fixturenames:
        settings.PORTAL_BASE_URL = "http://127.0.0.1:9"
