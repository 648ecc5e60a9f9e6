"""The ``http`` postal provider against a print-and-post gateway really listening on 127.0.0.1
(``tests.gateway``), its webhooks signed as the protocol of ``courrier.providers`` says; and the
sandbox postal provider refused where sandboxes may not run (production)."""

import base64
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from courrier import conf, rules, services
from courrier.models import DeliveryStatus, Envelope, EventType, Status
from courrier.providers import HttpPostalProvider, PostalSubmission, postal_provider
from courrier.sandbox import provider as sandbox
from courrier.sandbox.models import SandboxPostalItem, SandboxWebhookDelivery
from courrier.sandbox.tasks import sandbox_tick_task
from portal import clock, webhooks
from portal.errors import ApplicationError
from portal.pdf import document_bytes
from tests.courrier.conftest import pdf_upload, signed_event
from tests.gateway import PDF, GatewayServer
from tests.sandboxes import sandboxes_not_allowed

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
HANDOVER = datetime(2026, 3, 2, 10, 30, tzinfo=PARIS)
SERVICE = "Le service d'impression et d'envoi postal ne répond pas correctement"


def at(hour, minute=0, day=2):
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def gateway():
    with GatewayServer() as server:
        yield server


@pytest.fixture
def http_provider(settings, gateway):
    settings.COURRIER_POSTAL_PROVIDER = "http"
    settings.COURRIER_POSTAL_API_URL = gateway.url
    settings.COURRIER_POSTAL_API_KEY = "key-postal"
    settings.COURRIER_WEBHOOK_SECRET = "webhook-secret-shared-with-the-print-shop-0123"
    return gateway


@pytest.fixture
def validated(admin_user, make_envelope, funded, send):
    """« Envoyer maintenant » on Monday 02/03 at 10:00: handed over at 10:30 the same day."""
    funded(admin_user.organisation, "200.00")

    def _validated(**kwargs):
        return send(make_envelope(admin_user, **kwargs), admin_user)

    return _validated


@pytest.fixture
def hand_over(django_capture_on_commit_callbacks):
    """The 10:30 run; the submission tasks it queues are not run (the tests call their body)."""

    def _hand_over(now=HANDOVER) -> list[int]:
        with django_capture_on_commit_callbacks(execute=False):
            return services.envelopes_hand_over(now=now, calendar=clock.business_calendar())

    return _hand_over


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """A signed delivery at the endpoint of ``provider``; the proof tasks it queues are returned."""

    def _deliver(provider, body, header):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post(f"/courriers/webhooks/{provider}/", data=body, content_type="application/json",
                                   headers={webhooks.HEADER: header})
        response.queued = queued
        return response

    return _deliver


def test_an_envelope_printed_and_posted_through_the_gateway(http_provider, validated, hand_over, deliver):
    gateway = http_provider
    envelope = validated(mode="recommande_ar", sender=True, staple=True, uploads=[pdf_upload(pages=3)])
    assert hand_over() == [envelope.pk]
    envelope.refresh_from_db()
    assert (envelope.status, envelope.provider, envelope.provider_reference) == (Status.TRANSMITTED, "http", "")

    gateway.answer("POST", "/mail-items", status=201, json_body={"reference": "mi_42"})
    assert services.envelopes_submit(envelope_ids=[envelope.pk]) == 1
    [call] = gateway.calls("POST", "/mail-items")
    assert call.headers["Authorization"] == "Bearer key-postal"
    assert call.headers["Content-Type"] == "application/json" and call.headers["Accept"] == "application/json"
    assert call.headers["Idempotency-Key"] == f"envelope-{envelope.pk}" == call.json["client_reference"]
    envelope.refresh_from_db()
    print_pdf = document_bytes(envelope.print_document)
    pages = [document.pages for document in envelope.documents.all()]
    assert call.json == {
        "client_reference": f"envelope-{envelope.pk}",
        "mode": "recommande_ar",
        "handover_date": "2026-03-02",
        "recipient": {"address_lines": envelope.recipient_address_lines},
        "sender": {"address_lines": envelope.sender_address_lines},
        "document": {"name": f"envelope-{envelope.pk}.pdf", "content": base64.b64encode(print_pdf).decode(),
                     "sha256": envelope.print_document.sha256, "pages": envelope.print_pages},
        "print": {"sheets": envelope.sheets, "colour": True, "duplex": True,
                  "staples": [list(part) for part in rules.staple_ranges(pages=pages, duplex=True,
                                                                         address_page=True, staple=True)]},
        "webhook_url": f"{conf.base_url()}/courriers/webhooks/http/",
    }
    assert call.json["print"]["staples"] == [[3, 5]]  # the address page and its blank back, then the letter
    assert envelope.provider_reference == "mi_42"
    assert services.envelopes_submit(envelope_ids=[envelope.pk]) == 0  # a retried task posts nothing twice
    assert len(gateway.calls("POST", "/mail-items")) == 1

    # La Poste's news through the gateway's signed webhooks; the proofs come from the gateway.
    posted = deliver("http", *signed_event(event_type="mail.posted", reference="mi_42", occurred_at=at(14),
                                           data={"tracking_number": "1R01234567890"}))
    assert posted.status_code == 200 and posted.content == b"applied" and len(posted.queued) == 1
    gateway.answer("GET", "/mail-items/mi_42/proofs/deposit", body=PDF, content_type="application/pdf")
    assert services.envelope_proof_fetch(envelope_id=envelope.pk, kind="deposit")
    delivered = deliver("http", *signed_event(event_type="mail.delivered", reference="mi_42",
                                              occurred_at=at(9, day=4)))
    assert delivered.content == b"applied"
    gateway.answer("GET", "/mail-items/mi_42/proofs/acknowledgement", body=PDF, content_type="application/pdf")
    assert services.envelope_proof_fetch(envelope_id=envelope.pk, kind="acknowledgement")
    envelope.refresh_from_db()
    assert (envelope.status, envelope.tracking_number, envelope.delivery_status) == (
        Status.POSTED, "1R01234567890", DeliveryStatus.DELIVERED)
    assert document_bytes(envelope.deposit_proof) == PDF == document_bytes(envelope.acknowledgement)
    for kind in ("deposit", "acknowledgement"):
        [proof_call] = gateway.calls("GET", f"/mail-items/mi_42/proofs/{kind}")
        assert proof_call.headers["Accept"] == "application/pdf"
        assert proof_call.headers["Authorization"] == "Bearer key-postal"
    # The sandbox's endpoint is not open: it is not the configured provider.
    body, header = signed_event(event_type="mail.returned", reference="mi_42", occurred_at=at(10, day=5))
    assert deliver("sandbox", body, header).status_code == 404


def test_an_untracked_envelope_goes_without_sender_and_a_reference_is_a_path_segment(http_provider):
    http_provider.answer("POST", "/mail-items", status=201, json_body={"reference": "mi/7 é"})
    submission = PostalSubmission(client_reference="envelope-7", mode="lettre_verte", handover_date=date(2026, 3, 2),
                                  recipient=("SARL DUPOND", "1 rue des Fleurs", "38000 GRENOBLE"), sender=(),
                                  print_pdf=PDF, pages=1, sheets=1, colour=False, duplex=False, staples=())
    provider = postal_provider()
    assert isinstance(provider, HttpPostalProvider)
    assert provider.envelope_submit(submission) == "mi/7 é"
    [call] = http_provider.calls("POST", "/mail-items")
    assert call.json["sender"] is None and call.json["print"] == {"sheets": 1, "colour": False, "duplex": False,
                                                                  "staples": []}
    http_provider.answer("GET", "/mail-items/mi%2F7%20%C3%A9/proofs/deposit", body=PDF, content_type="application/pdf")
    assert provider.proof_document(reference="mi/7 é", kind="deposit") == PDF
    with pytest.raises(ValueError):
        provider.proof_document(reference="mi/7 é", kind="../../admin")


@pytest.mark.parametrize(("answer", "message"), [
    ({"status": 503, "json_body": {}}, "réponse HTTP 503"),
    ({"status": 201, "body": b"<html>", "content_type": "text/html"}, "réponse illisible"),
    ({"status": 201, "json_body": {"reference": "m" * 81}}, "« reference » absent ou de plus de 80 caractères"),
    ({"status": 201, "json_body": {"id": "mi_1"}}, "« reference » absent"),
])
def test_a_gateway_failure_leaves_the_envelope_to_be_submitted_again(http_provider, validated, hand_over, answer,
                                                                     message):
    envelope = validated()
    hand_over()
    http_provider.answer("POST", "/mail-items", **answer)
    http_provider.answer("POST", "/mail-items", status=201, json_body={"reference": "mi_1"})
    with pytest.raises(ApplicationError) as error:
        services.envelopes_submit(envelope_ids=[envelope.pk])
    assert error.value.message.startswith(SERVICE) and message in error.value.message
    envelope.refresh_from_db()
    assert (envelope.status, envelope.provider_reference) == (Status.TRANSMITTED, "")
    # The task's retry: the same key, so the print shop never prints it twice.
    assert services.envelopes_submit(envelope_ids=[envelope.pk]) == 1
    assert Envelope.objects.get(pk=envelope.pk).provider_reference == "mi_1"
    keys = [call.headers["Idempotency-Key"] for call in http_provider.calls("POST", "/mail-items")]
    assert keys == [f"envelope-{envelope.pk}"] * 2


def test_an_unreachable_gateway_is_a_clear_error(settings, http_provider, validated, hand_over):
    envelope = validated()
    hand_over()
    settings.COURRIER_POSTAL_API_URL = "http://127.0.0.1:9/v1"  # nothing listens
    with pytest.raises(ApplicationError, match="connexion impossible"):
        services.envelopes_submit(envelope_ids=[envelope.pk])
    assert Envelope.objects.get(pk=envelope.pk).provider_reference == ""


def test_an_http_provider_without_its_gateway_refuses_the_hand_over(settings, validated, hand_over):
    envelope = validated()
    settings.COURRIER_POSTAL_PROVIDER = "http"
    settings.COURRIER_POSTAL_API_URL = ""
    with pytest.raises(ImproperlyConfigured, match="COURRIER_POSTAL_API_URL et COURRIER_POSTAL_API_KEY"):
        hand_over()
    assert Envelope.objects.get(pk=envelope.pk).status == Status.SCHEDULED


def test_proofs_come_from_the_provider_the_envelope_was_handed_to(settings, validated, hand_over, gateway,
                                                                  django_capture_on_commit_callbacks):
    """Handed to the sandbox, then the configuration moved to the gateway: the envelope's proof
    still comes from the sandbox, and the gateway hears nothing of it."""
    envelope = validated(mode="recommande", sender=True)
    with django_capture_on_commit_callbacks(execute=False):
        hand_over()
        services.envelopes_submit(envelope_ids=[envelope.pk])
        sandbox.sandbox_webhooks_deliver_in_process()
    settings.COURRIER_POSTAL_PROVIDER = "http"
    settings.COURRIER_POSTAL_API_URL, settings.COURRIER_POSTAL_API_KEY = gateway.url, "key"
    assert services.envelope_proof_fetch(envelope_id=envelope.pk, kind="deposit")
    assert Envelope.objects.get(pk=envelope.pk).deposit_proof.content_type == "application/pdf"
    assert gateway.requests == []


# --------------------------------------------------------------- the sandbox where it may not run


def test_the_sandbox_refuses_to_run_where_sandboxes_are_not_allowed(settings, validated, hand_over,
                                                                    django_capture_on_commit_callbacks):
    posted = validated(mode="recommande_ar", sender=True)
    with django_capture_on_commit_callbacks(execute=False):
        hand_over()
        services.envelopes_submit(envelope_ids=[posted.pk])
    item = SandboxPostalItem.objects.get()
    pending = SandboxWebhookDelivery.objects.get()  # « mail.posted », not delivered yet
    scheduled = validated()  # due at the next hand-over

    settings.PORTAL_SANDBOX_PROVIDERS = False
    refused = "COURRIER_POSTAL_PROVIDER=sandbox : le prestataire bac à sable est refusé"
    with pytest.raises(ImproperlyConfigured, match=refused):
        postal_provider()
    with pytest.raises(ImproperlyConfigured, match=refused):  # the hand-over moves nothing
        hand_over(now=at(10, 30, day=3))
    assert Envelope.objects.get(pk=scheduled.pk).status == Status.SCHEDULED
    assert not Envelope.objects.get(pk=scheduled.pk).events.filter(type=EventType.TRANSMITTED).exists()
    provider = sandbox.SandboxPostalProvider()  # the class itself, used directly
    with pytest.raises(ImproperlyConfigured, match=refused):
        provider.envelope_submit(PostalSubmission(
            client_reference="envelope-0", mode="lettre_verte", handover_date=date(2026, 3, 2), recipient=("A",),
            sender=(), print_pdf=PDF, pages=1, sheets=1, colour=True, duplex=True, staples=()))
    with pytest.raises(ImproperlyConfigured, match=refused):
        provider.proof_document(reference=item.reference, kind="deposit")
    with pytest.raises(ImproperlyConfigured, match=refused):  # its proof, from the provider it was handed to
        services.envelope_proof_fetch(envelope_id=posted.pk, kind="deposit")
    for chore in (lambda: sandbox.sandbox_event_play(reference=item.reference, event_type="mail.delivered",
                                                     now=at(16)),
                  sandbox.sandbox_webhooks_deliver_in_process,
                  lambda: sandbox.sandbox_webhook_deliver(delivery_id=pending.pk)):
        with pytest.raises(ImproperlyConfigured, match=refused):
            chore()
    # The beat job « courrier-sandbox-tick » does nothing: La Poste is not played, no webhook leaves.
    assert sandbox.sandbox_webhooks_due() == []
    assert sandbox_tick_task() == {"in_transit": 0, "delivered": 0, "webhooks": 0}
    item.refresh_from_db()
    pending.refresh_from_db()
    assert item.status == "posted" and (pending.attempts, pending.delivered_at) == (0, None)
    assert SandboxWebhookDelivery.objects.count() == 1
    # No webhook secret derived from SECRET_KEY.
    settings.COURRIER_WEBHOOK_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="COURRIER_WEBHOOK_SECRET manque"):
        conf.webhook_secret()


def test_pages_where_sandboxes_are_not_allowed_show_no_sandbox_part(settings, admin_user, client_for, validated,
                                                                    hand_over, deliver):
    """The envelope page without the « Bac à sable La Poste » link (its console is not routed),
    and the sandbox's webhook endpoint closed."""
    envelope = validated()
    hand_over()
    client = client_for(admin_user)
    page = client.get(f"/courriers/{envelope.pk}/").content.decode()
    assert "Bac à sable La Poste" in page and client.get(f"/courriers/bac-a-sable/{envelope.pk}/").status_code == 200
    body, header = signed_event(event_type="mail.posted", reference="pli_1", occurred_at=at(14))
    with sandboxes_not_allowed(settings):
        page = client.get(f"/courriers/{envelope.pk}/")
        assert page.status_code == 200 and "Bac à sable" not in page.content.decode()
        assert client.get(f"/courriers/bac-a-sable/{envelope.pk}/").status_code == 404
        settings.COURRIER_WEBHOOK_SECRET = "webhook-secret-of-production-0123456789"
        assert deliver("sandbox", body, header).status_code == 404
