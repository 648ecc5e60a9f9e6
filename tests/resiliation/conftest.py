"""Fixtures of the résiliation tests: letters built through the services, a funded account,
an ORIAS certificate on file, signed webhook deliveries."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal import clock
from portal.models import Area
from resiliation import conf, services, webhooks
from resiliation.insurers import insurers_load
from resiliation.models import Insurer
from tests.files import PDF_BYTES, PNG_BYTES  # a real one-page PDF and a real PNG


def pdf_upload(name="mandat.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def insurer(db):
    # Transactional tests flush the tables, data migrations included: reload the directory.
    insurers_load(Insurer)
    return Insurer.objects.get(name="MAAF ASSURANCES")


@pytest.fixture
def subscriber():
    return services.SubscriberData(civility="M", last_name="Dupont", first_name="Jean", address_line1="2 rue des fleurs",
                                   postal_code="38000", city="Grenoble", email="jean.dupont@client.test")


@pytest.fixture
def make_letter(db, insurer, subscriber):
    """A draft letter with one contract (Échéance principale by default)."""

    def _make(user, *, contract_type="auto", reason="main_due_date", reference="1234", **contract):
        defaults = {"main_due_date": date(2026, 7, 1)} if reason in ("main_due_date", "chatel") else {}
        if reason in ("hamon", "health_ria"):
            defaults["new_insurer"] = "AXA FRANCE IARD"
        if reason in ("vehicle_sale", "death_or_sale", "change_of_address"):
            defaults["event_date"] = date(2026, 2, 20)
        data = services.ContractData(contract_type=contract_type, reference=reference, reason=reason,
                                     **{**defaults, **contract})
        return services.letter_create(by=user, subscriber=services.SubscriberData(**subscriber.__dict__),
                                      insurer=insurer, contract=data)

    return _make


@pytest.fixture
def orias_on_file(db):
    def _file(user, valid_until=date(2026, 12, 31)):
        return services.orias_certificate_add(organisation=user.organisation, by=user, upload=pdf_upload("orias.pdf"),
                                              valid_until=valid_until, today=clock.business_today())

    return _file


@pytest.fixture
def funded(db, accounting_user):
    """Credit an organisation through billing (its staff adjustment)."""
    billing = pytest.importorskip("billing.services")

    def _fund(organisation, amount="50.00"):
        if hasattr(billing, "price_list_install_defaults"):  # flushed by transactional tests
            billing.price_list_install_defaults()
        billing.account_adjust(organisation=organisation, amount=Decimal(amount), reason="Crédit de test",
                               by=accounting_user, on=clock.business_today())

    return _fund


@pytest.fixture
def balance(db):
    billing = pytest.importorskip("billing.services")

    def _balance(organisation) -> Decimal:
        return billing.account_for(organisation=organisation).balance

    return _balance


@pytest.fixture
def resiliation_collaborator(collaborator, delegate):
    delegate(collaborator, [], areas=(Area.RESILIATION,), name="Résiliation")
    return collaborator


@pytest.fixture
def at(monkeypatch):
    """Freeze the wall clock (Europe/Paris) for local_now() and timezone.now()."""

    def _at(moment: datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=clock.local_zone())
        local = aware.astimezone(clock.local_zone())
        monkeypatch.setenv("PORTAL_TODAY", local.date().isoformat())
        monkeypatch.setenv("PORTAL_NOW", local.strftime("%Y-%m-%dT%H:%M"))
        monkeypatch.setattr(timezone, "now", lambda: aware.astimezone(timezone.UTC))
        return aware

    return _at


def signed_event(*, event_type: str, reference: str, occurred_at: datetime, event_id: str | None = None,
                 timestamp: int | None = None, secret: bytes | None = None) -> tuple[bytes, str]:
    body = json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "type": event_type, "reference": reference,
                       "occurred_at": occurred_at.isoformat(), "data": {}}).encode()
    header = webhooks.signature_header(body, secret=secret or conf.webhook_secret(),
                                       timestamp=timestamp if timestamp is not None else int(timezone.now().timestamp()))
    return body, header


@pytest.fixture
def deliver(client):
    """POST a webhook to the portal's endpoint, as a provider does."""

    def _deliver(provider, body, header):
        return client.post(f"/resiliations/webhooks/{provider}/", data=body, content_type="application/json",
                           headers={webhooks.HEADER: header})

    return _deliver


@pytest.fixture
def e_signed(deliver):
    """The souscripteur e-signs a letter's mandate at the sandbox provider, whose webhooks reach the
    portal's endpoint (as in production)."""

    def _sign(letter, *, now: datetime):
        from resiliation import services
        from resiliation.models import SandboxWebhookDelivery
        from resiliation.sandbox import provider as sandbox

        request = services.signature_request_start(letter=letter, email=letter.email, mobile_phone="0612345678",
                                                     mode="remote", certified=True, now=now)
        session = sandbox.sandbox_code_send(reference=request.provider_reference, now=now)
        sandbox.sandbox_sign(reference=request.provider_reference, code=session.code, signed_pdf=PDF_BYTES, now=now)
        for delivery in SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).order_by("id"):
            body = delivery.body.encode()
            header = webhooks.signature_header(body, secret=conf.webhook_secret(),
                                               timestamp=int(timezone.now().timestamp()))
            assert deliver(delivery.provider, body, header).status_code == 200
            delivery.delivered_at = timezone.now()
            delivery.save(update_fields=["delivered_at"])
        letter.refresh_from_db()
        return letter

    return _sign


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(content)).pages)


__all__ = ["PDF_BYTES", "pdf_text", "PNG_BYTES", "pdf_upload", "signed_event", "io", "timedelta"]


@pytest.fixture(autouse=True)
def _no_stray_webhooks(settings, request):
    """Sandbox webhooks never reach a real server from a test (browser tests set the live server)."""
    if "live_server" not in request.fixturenames:
        settings.PORTAL_BASE_URL = "http://127.0.0.1:9"
