"""Provider webhooks: HMAC verification, replays, duplicates, out-of-order events, and the
e-signature and registered-mail lifecycles they drive (sandbox providers)."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from portal import notifications
from portal.models import OutboxMessage
from portal.notifications import PERSONAL_LINK_PLACEHOLDER
from resiliation import services
from resiliation.models import (
    LetterStatus,
    SandboxWebhookDelivery,
    SignatureRequest,
    SignatureStatus,
    TerminationLetter,
    WebhookEvent,
)
from resiliation.sandbox import provider as sandbox
from resiliation.tasks import resiliation_tick
from tests.resiliation.conftest import pdf_upload, signed_event

PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 3, 2)


def relay(deliver, *, event_type=None):
    """Deliver the sandbox's pending webhooks through the HTTP endpoint (as its task does)."""
    results = []
    pending = SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).order_by("id")
    for delivery in pending:
        body = delivery.body.encode()
        if event_type and json.loads(body)["type"] != event_type:
            continue
        from resiliation import conf, webhooks

        header = webhooks.signature_header(body, secret=conf.webhook_secret(), timestamp=int(timezone.now().timestamp()))
        response = deliver(delivery.provider, body, header)
        results.append(response)
        delivery.delivered_at = timezone.now()
        delivery.save()
    return results


@pytest.fixture
def sent_letter(admin_user, make_letter, orias_on_file, funded):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    from resiliation import services

    services.letter_mandate_choose(letter=letter, choice="scan", today=TODAY, upload=pdf_upload())
    services.letter_old_manager_set(letter=letter, email="gerant@maaf.test")
    letter = services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None, send=TODAY,
                                    dates_confirmed=True, now=MORNING)
    services.letter_dispatch(letter_id=letter.pk, now=MORNING)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def esign_letter(admin_user, make_letter, funded):
    """A letter in the platform's name waiting for the souscripteur's e-signature."""
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="home_owner", reason="main_due_date")
    services.letter_sender_mode_set(letter=letter, mode="platform")
    letter = services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None, send=TODAY,
                                    dates_confirmed=True, now=MORNING)
    request = services.signature_request_start(letter=letter, email="jean.dupont@client.test",
                                                 mobile_phone="06 12 34 56 78", mode="remote", certified=True,
                                                 now=MORNING)
    return letter, request


def test_forged_signature_is_refused(sent_letter, deliver):
    body, header = signed_event(event_type="registered_mail.deposited", reference=sent_letter.provider_reference,
                                occurred_at=MORNING, secret=b"not-the-secret")
    response = deliver("registered_mail", body, header)
    assert response.status_code == 400
    tampered_body, good_header = signed_event(event_type="registered_mail.signed",
                                              reference=sent_letter.provider_reference, occurred_at=MORNING)
    response = deliver("registered_mail", tampered_body.replace(b"signed", b"collected"), good_header)
    assert response.status_code == 400
    assert deliver("registered_mail", body, "").status_code == 400
    assert not WebhookEvent.objects.exists()
    sent_letter.refresh_from_db()
    assert sent_letter.status == LetterStatus.IN_TRANSIT


def test_replayed_delivery_with_an_old_timestamp_is_refused(sent_letter, deliver):
    old = int(timezone.now().timestamp()) - 3600
    body, header = signed_event(event_type="registered_mail.deposited", reference=sent_letter.provider_reference,
                                occurred_at=MORNING, timestamp=old)
    assert deliver("registered_mail", body, header).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_duplicate_delivery_is_applied_once(sent_letter, deliver):
    body, header = signed_event(event_type="registered_mail.signed", reference=sent_letter.provider_reference,
                                occurred_at=MORNING + timedelta(hours=2), event_id="evt_same")
    first, second = deliver("registered_mail", body, header), deliver("registered_mail", body, header)
    assert (first.content, second.content) == (b"applied", b"duplicate")
    assert WebhookEvent.objects.count() == 1
    assert OutboxMessage.objects.filter(key=f"resiliation:{sent_letter.pk}:old-manager").count() == 1


def test_out_of_order_events_never_move_a_letter_backwards(sent_letter, deliver):
    reference = sent_letter.provider_reference
    body, header = signed_event(event_type="registered_mail.signed", reference=reference,
                                occurred_at=MORNING + timedelta(hours=3))
    assert deliver("registered_mail", body, header).content == b"applied"
    body, header = signed_event(event_type="registered_mail.deposited", reference=reference,
                                occurred_at=MORNING + timedelta(minutes=1))
    assert deliver("registered_mail", body, header).status_code == 200  # late deposit: recorded, not regressing
    body, header = signed_event(event_type="registered_mail.resent", reference=reference,
                                occurred_at=MORNING + timedelta(days=15))
    assert deliver("registered_mail", body, header).content == b"ignored"
    letter = TerminationLetter.objects.get(pk=sent_letter.pk)
    assert letter.status == LetterStatus.SIGNED and letter.deposited_at is not None


def test_registered_mail_lifecycle_through_the_sandbox(sent_letter, deliver, client):
    [response] = relay(deliver)  # the sandbox deposited the letter on submission
    assert response.content == b"applied"
    letter = TerminationLetter.objects.get(pk=sent_letter.pk)
    assert letter.status == LetterStatus.DEPOSITED
    assert services.letter_proof_fetch(letter_id=letter.pk, kind="deposit")
    assert OutboxMessage.objects.filter(key=f"resiliation:{letter.pk}:deposit").exists()
    sandbox.sandbox_mail_receive(reference=letter.provider_reference, now=MORNING + timedelta(hours=4))
    relay(deliver)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SIGNED and letter.old_manager_informed_at
    assert services.letter_proof_fetch(letter_id=letter.pk, kind="acknowledgement")
    letter.refresh_from_db()
    copy = OutboxMessage.objects.get(key=f"resiliation:{letter.pk}:acknowledgement")
    # The document's secret link is never stored in the outbox: it is made as the e-mail goes out.
    assert "/resiliations/documents/" not in copy.body_text and PERSONAL_LINK_PLACEHOLDER in copy.body_text
    assert notifications.outbox_send(message_id=copy.id)
    [sent] = [email for email in mail.outbox if email.subject == copy.subject]
    url = next(word for word in sent.body.split() if "/resiliations/documents/" in word)
    assert client.get(url[url.index("/resiliations"):]).status_code == 200
    assert client.get("/resiliations/documents/forged-token/").status_code == 404


def test_not_collected_after_15_days_is_resent(sent_letter, deliver):
    relay(deliver)
    assert sandbox.sandbox_mail_tick(now=timezone.now() + timedelta(days=14)) == 0
    assert sandbox.sandbox_mail_tick(now=timezone.now() + timedelta(days=15, minutes=1)) == 1
    relay(deliver)
    letter = TerminationLetter.objects.get(pk=sent_letter.pk)
    assert letter.status == LetterStatus.RESENT
    assert letter.get_status_display() == "Non relevée par le destinataire puis retransmise"


def test_signature_page_sms_code_and_signed_webhook(esign_letter, deliver, client):
    letter, request = esign_letter
    message = OutboxMessage.objects.get(key=f"resiliation:signature:{request.pk}:link")
    assert notifications.outbox_send(message_id=message.id)  # the link is made as the e-mail goes out
    url = next(word for word in mail.outbox[-1].body.split() if "/resiliations/signature/" in word)
    path = url[url.index("/resiliations"):]
    assert client.get(path).status_code == 200
    assert client.get(path.replace("signature/", "signature/x")).status_code == 404
    page = client.post(path, {"action": "code"})  # boxes not ticked
    assert "Cochez" in page.content.decode()
    client.post(path, {"action": "code", "accept_read": "1", "accept_terms": "1"})
    session = sandbox.SandboxSignature.objects.get(reference=request.provider_reference)
    assert f"<strong id=\"sandbox-sms-code\">{session.code}</strong>" in client.get(path).content.decode()
    wrong = client.post(path, {"action": "sign", "code": "000000" if session.code != "000000" else "111111"})
    assert "incorrect" in wrong.content.decode()
    client.post(path, {"action": "sign", "code": session.code})
    results = relay(deliver)
    assert [r.content for r in results] == [b"applied", b"applied"]  # opened, signed
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SCHEDULED
    assert SignatureRequest.objects.get().status == SignatureStatus.SIGNED
    assert services.letter_dispatch(letter_id=letter.pk, now=MORNING)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_TRANSIT


def test_the_signature_link_is_never_stored_in_the_outbox_and_dies_with_the_signature(esign_letter, deliver):
    letter, request = esign_letter
    message = OutboxMessage.objects.get(key=f"resiliation:signature:{request.pk}:link")
    assert request.signing_url and request.signing_url not in message.body_text
    assert PERSONAL_LINK_PLACEHOLDER in message.body_text
    assert notifications.outbox_send(message_id=message.id)
    assert request.signing_url in mail.outbox[-1].body and PERSONAL_LINK_PLACEHOLDER not in mail.outbox[-1].body
    # A message still waiting when the signature ends is not sent: its link has no use any more.
    OutboxMessage.objects.filter(pk=message.pk).update(status="pending")
    body, header = signed_event(event_type="signature.refused", reference=request.provider_reference,
                                occurred_at=MORNING)
    deliver("signature", body, header)
    assert notifications.outbox_send(message_id=message.id) is False
    assert len([email for email in mail.outbox if email.subject == message.subject]) == 1


def test_refused_signature_cancels_and_refunds(esign_letter, deliver, admin_user, balance):
    letter, request = esign_letter
    before = balance(admin_user.organisation)
    sandbox.sandbox_refuse(reference=request.provider_reference, now=MORNING)
    relay(deliver)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CANCELLED
    assert balance(admin_user.organisation) == before + Decimal("5.28")
    assert OutboxMessage.objects.filter(key=f"resiliation:{letter.pk}:signature-refused",
                                        to=admin_user.email).exists()


def test_signature_expires_at_20h_paris_refunded_and_user_emailed(esign_letter, admin_user, balance):
    letter, request = esign_letter
    before = balance(admin_user.organisation)
    assert services.signatures_expire(now=datetime(2026, 3, 2, 19, 59, tzinfo=PARIS)) == 0
    assert services.signatures_expire(now=datetime(2026, 3, 2, 20, 0, tzinfo=PARIS)) == 1
    assert services.signatures_expire(now=datetime(2026, 3, 2, 20, 5, tzinfo=PARIS)) == 0  # twice: nothing more
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SIGNATURE_EXPIRED
    assert letter.get_status_display() == "Non envoyée / Délai de signature dépassé"
    assert balance(admin_user.organisation) == before + Decimal("5.28")
    assert OutboxMessage.objects.filter(key=f"resiliation:{letter.pk}:signature-expired").count() == 1
    assert SignatureRequest.objects.get().status == SignatureStatus.EXPIRED
    with pytest.raises(sandbox.SandboxSigningError):
        sandbox.sandbox_code_send(reference=request.provider_reference, now=datetime(2026, 3, 2, 20, 1, tzinfo=PARIS))


def test_a_signed_event_after_the_deadline_is_ignored(esign_letter, deliver):
    letter, request = esign_letter
    body, header = signed_event(event_type="signature.signed", reference=request.provider_reference,
                                occurred_at=datetime(2026, 3, 2, 20, 30, tzinfo=PARIS))
    assert deliver("signature", body, header).content == b"ignored"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.AWAITING_SIGNATURE


def test_tick_runs_everything_idempotently(esign_letter, at):
    at(datetime(2026, 3, 2, 20, 10, tzinfo=PARIS))
    first = resiliation_tick()
    assert first["expired"] == 1
    assert resiliation_tick()["expired"] == 0


def test_webhook_delivery_retries_with_backoff(sent_letter, settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    delivery = SandboxWebhookDelivery.objects.get()
    assert sandbox.sandbox_webhook_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.next_attempt_at > timezone.now() and delivery.delivered_at is None
    assert sandbox.sandbox_webhooks_due() == []  # not before its back-off


def test_unknown_letter_asks_the_provider_to_retry(sent_letter, deliver):
    body, header = signed_event(event_type="registered_mail.deposited", reference="lre_unknown", occurred_at=MORNING)
    assert deliver("registered_mail", body, header).status_code == 409
    assert not WebhookEvent.objects.exists()


def _raw_event(**fields) -> tuple[bytes, str]:
    from resiliation import conf, webhooks

    body = json.dumps({"type": "registered_mail.deposited", "occurred_at": MORNING.isoformat(), "data": {},
                       **fields}).encode()
    return body, webhooks.signature_header(body, secret=conf.webhook_secret(),
                                           timestamp=int(timezone.now().timestamp()))


def test_an_event_naming_our_key_never_reaches_a_letter_not_handed_to_the_provider(admin_user, make_letter,
                                                                                    orias_on_file, funded, deliver):
    """A signed event carrying ``letter-<id>`` finds neither a draft nor a letter whose hand-over
    is not recorded: the provider is asked to retry (409) and nothing moves."""
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    draft = make_letter(admin_user)
    body, header = _raw_event(id="evt_draft", type="registered_mail.collected", reference="lre_forged",
                              data={"client_reference": f"letter-{draft.pk}"})
    assert deliver("registered_mail", body, header).status_code == 409
    draft.refresh_from_db()
    assert (draft.status, draft.provider_reference, draft.received_at) == (LetterStatus.DRAFT, "", None)

    letter = make_letter(admin_user, reference="SENT")
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=False, start=None, send=TODAY,
                           dates_confirmed=True, now=MORNING)
    TerminationLetter.objects.filter(pk=letter.pk).update(status=LetterStatus.IN_TRANSIT)  # claimed, not answered
    body, header = _raw_event(id="evt_race", reference="lre_race", data={"client_reference": f"letter-{letter.pk}"})
    assert deliver("registered_mail", body, header).status_code == 409
    letter.refresh_from_db()
    assert (letter.status, letter.provider_reference) == (LetterStatus.IN_TRANSIT, "")
    assert not WebhookEvent.objects.exists()


def test_an_event_sent_before_the_hand_over_is_recorded_applies_on_its_retry(admin_user, make_letter, orias_on_file,
                                                                              funded, deliver):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=False, start=None, send=TODAY,
                           dates_confirmed=True, now=MORNING)
    services.letter_dispatch(letter_id=letter.pk, now=MORNING)
    letter.refresh_from_db()
    assert (letter.registered_mail_provider, letter.status) == ("sandbox", LetterStatus.IN_TRANSIT)
    [response] = relay(deliver)  # the sandbox's « deposited », now that the reference is recorded
    assert response.content == b"applied"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DEPOSITED


def test_an_event_of_another_provider_does_not_move_the_letter(sent_letter, deliver, settings):
    """The letter was handed to the sandbox: the same reference sent by the provider now
    configured (http) names another letter, not this one."""
    settings.RESILIATION_REGISTERED_MAIL_PROVIDER = "http"
    settings.RESILIATION_REGISTERED_MAIL_API_URL = "https://lre.example.fr/v1"
    settings.RESILIATION_REGISTERED_MAIL_API_KEY = "key"
    body, header = signed_event(event_type="registered_mail.signed", reference=sent_letter.provider_reference,
                                occurred_at=MORNING + timedelta(hours=1))
    assert deliver("registered_mail", body, header).status_code == 409
    sent_letter.refresh_from_db()
    assert sent_letter.status == LetterStatus.IN_TRANSIT and sent_letter.received_at is None


def test_long_event_ids_are_compared_whole(sent_letter, deliver):
    prefix = "evt_" + "x" * 96  # two ids alike over their first 100 characters
    for suffix, event_type in (("-deposited", "registered_mail.deposited"), ("-signed", "registered_mail.signed")):
        body, header = signed_event(event_type=event_type, reference=sent_letter.provider_reference,
                                    occurred_at=MORNING + timedelta(hours=1), event_id=prefix + suffix)
        assert deliver("registered_mail", body, header).content == b"applied"
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == [prefix + "-deposited",
                                                                               prefix + "-signed"]
    sent_letter.refresh_from_db()
    assert sent_letter.status == LetterStatus.SIGNED


def test_an_over_long_event_id_or_reference_is_refused_with_a_clear_message(sent_letter, deliver):
    body, header = signed_event(event_type="registered_mail.signed", reference=sent_letter.provider_reference,
                                occurred_at=MORNING, event_id="e" * 256)
    response = deliver("registered_mail", body, header)
    assert response.status_code == 400
    assert "identifiant d'évènement trop long (256 caractères, 255 au plus)" in response.content.decode()
    body, header = signed_event(event_type="registered_mail.signed", reference="r" * 81, occurred_at=MORNING)
    response = deliver("registered_mail", body, header)
    assert response.status_code == 400 and "référence trop longue (81 caractères, 80 au plus)" in response.content.decode()
    assert not WebhookEvent.objects.exists()
    sent_letter.refresh_from_db()
    assert sent_letter.status == LetterStatus.IN_TRANSIT


@pytest.mark.parametrize("body", [b"not json", b'{"id": "e1", "type": "registered_mail.deposited"}',
                                  b'{"id": "e1", "type": "registered_mail.deposited", "reference": "x", '
                                  b'"occurred_at": "2026-03-02T10:00:00"}',
                                  b'{"id": "e1", "type": "registered_mail.unknown", "reference": "x", '
                                  b'"occurred_at": "2026-03-02T10:00:00+01:00"}'])
def test_malformed_events_are_refused(db, deliver, body):
    from resiliation import conf, webhooks

    header = webhooks.signature_header(body, secret=conf.webhook_secret(), timestamp=int(timezone.now().timestamp()))
    assert deliver("registered_mail", body, header).status_code == 400
    assert not WebhookEvent.objects.exists()
