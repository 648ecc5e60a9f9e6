"""The postal provider's webhooks, through the real endpoint: forged, replayed, duplicated and
out-of-order deliveries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from courrier import conf
from courrier.models import DeliveryStatus, Envelope, EnvelopeEvent, EventType, Status, WebhookEvent
from portal import clock, webhooks
from tests.courrier.conftest import signed_event

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
URL = "/courriers/webhooks/sandbox/"


@pytest.fixture
def transmitted(admin_user, make_envelope, funded, send, django_capture_on_commit_callbacks):
    """A recommandé avec AR handed over at 10:30, known to the provider as ``pli_1``."""
    from courrier import services

    funded(admin_user.organisation)
    envelope = send(make_envelope(admin_user, mode="recommande_ar", sender=True), admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        services.envelopes_hand_over(now=datetime(2026, 3, 2, 10, 30, tzinfo=PARIS),
                                     calendar=clock.business_calendar())
    Envelope.objects.filter(pk=envelope.pk).update(provider_reference="pli_1")
    return Envelope.objects.get(pk=envelope.pk)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def _deliver(body, header):
        with django_capture_on_commit_callbacks(execute=False):
            return client.post(URL, data=body, content_type="application/json", headers={webhooks.HEADER: header})

    return _deliver


def at(hour, minute=0, day=2):
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


def test_a_signed_event_is_applied_once(transmitted, deliver):
    body, header = signed_event(event_type="mail.posted", reference="pli_1", occurred_at=at(14),
                                data={"tracking_number": "1R01234567890"})
    response = deliver(body, header)
    assert response.status_code == 200 and response.content == b"applied"
    transmitted.refresh_from_db()
    assert transmitted.status == Status.POSTED and transmitted.tracking_number == "1R01234567890"
    assert transmitted.posted_at == at(14)
    # The same delivery again (the provider did not hear our answer): nothing changes.
    again = deliver(body, header)
    assert again.status_code == 200 and again.content == b"duplicate"
    assert EnvelopeEvent.objects.filter(envelope=transmitted, type=EventType.POSTED).count() == 1
    assert WebhookEvent.objects.count() == 1


def test_forged_signatures_are_refused(transmitted, deliver):
    body, header = signed_event(event_type="mail.delivered", reference="pli_1", occurred_at=at(14),
                                secret=b"not-the-secret")
    assert deliver(body, header).status_code == 400
    body, good = signed_event(event_type="mail.delivered", reference="pli_1", occurred_at=at(14))
    tampered = body.replace(b"mail.delivered", b"mail.returned_")
    assert deliver(tampered, good).status_code == 400
    assert deliver(body, "").status_code == 400
    transmitted.refresh_from_db()
    assert transmitted.delivery_status == "" and not WebhookEvent.objects.exists()


def test_replayed_deliveries_are_refused(transmitted, deliver):
    old = int((timezone.now() - timedelta(seconds=conf.webhook_tolerance_seconds() + 5)).timestamp())
    body, header = signed_event(event_type="mail.posted", reference="pli_1", occurred_at=at(14), timestamp=old)
    response = deliver(body, header)
    assert response.status_code == 400 and "rejeu" in response.content.decode()
    assert Envelope.objects.get(pk=transmitted.pk).status == Status.TRANSMITTED


def test_out_of_order_events_never_move_backwards(transmitted, deliver):
    # Delivered arrives first: La Poste has it, so the envelope is posted.
    deliver(*signed_event(event_type="mail.delivered", reference="pli_1", occurred_at=at(9, day=4)))
    transmitted.refresh_from_db()
    assert transmitted.status == Status.POSTED and transmitted.delivery_status == DeliveryStatus.DELIVERED
    # Then the older news: kept in the history, the status stays « Distribué ».
    late = deliver(*signed_event(event_type="mail.in_transit", reference="pli_1", occurred_at=at(18)))
    assert late.content == b"ignored"
    posted = deliver(*signed_event(event_type="mail.posted", reference="pli_1", occurred_at=at(14),
                                   data={"tracking_number": "1R01234567890"}))
    assert posted.content == b"applied"
    transmitted.refresh_from_db()
    assert transmitted.delivery_status == DeliveryStatus.DELIVERED
    assert transmitted.posted_at == at(14) and transmitted.tracking_number == "1R01234567890"
    history = list(transmitted.events.values_list("type", flat=True))
    assert history[-3:] == [EventType.POSTED, EventType.IN_TRANSIT, EventType.DELIVERED]
    # A second « Distribué » with another id changes nothing either.
    assert deliver(*signed_event(event_type="mail.delivered", reference="pli_1",
                                 occurred_at=at(10, day=4))).content == b"ignored"
    assert transmitted.events.filter(type=EventType.DELIVERED).count() == 1


def test_an_event_reaches_an_envelope_only_by_the_reference_its_provider_answered(transmitted, deliver):
    """Before the provider's answer is recorded, an event naming our own key (``envelope-<id>``)
    is retried later (409), never attached to the envelope by that key."""
    Envelope.objects.filter(pk=transmitted.pk).update(provider_reference="")
    response = deliver(*signed_event(event_type="mail.posted", reference="pli_new", occurred_at=at(14),
                                     data={"client_reference": f"envelope-{transmitted.pk}"}))
    assert response.status_code == 409 and not WebhookEvent.objects.exists()
    envelope = Envelope.objects.get(pk=transmitted.pk)
    assert envelope.provider_reference == "" and envelope.status == Status.TRANSMITTED
    # Once the submission's answer is recorded, the provider's retry is applied.
    Envelope.objects.filter(pk=transmitted.pk).update(provider_reference="pli_new")
    assert deliver(*signed_event(event_type="mail.posted", reference="pli_new", occurred_at=at(14))).content == \
        b"applied"


def test_an_event_never_reaches_a_draft_or_a_scheduled_envelope(admin_user, make_envelope, funded, send, deliver):
    funded(admin_user.organisation)
    draft = make_envelope(admin_user)
    scheduled = send(make_envelope(admin_user), admin_user, send_on=clock.business_today() + timedelta(days=7))
    for envelope in (draft, scheduled):
        response = deliver(*signed_event(event_type="mail.posted", reference=f"envelope-{envelope.pk}",
                                         occurred_at=at(14), data={"client_reference": f"envelope-{envelope.pk}"}))
        assert response.status_code == 409
        envelope.refresh_from_db()
        assert envelope.provider_reference == "" and envelope.status in (Status.DRAFT, Status.SCHEDULED)
    assert not WebhookEvent.objects.exists()


def test_an_event_reaches_only_envelopes_handed_to_its_provider(transmitted, settings, client,
                                                              django_capture_on_commit_callbacks):
    """``pli_1`` is the sandbox's reference of the envelope: the same reference coming from
    another provider (the one configured now) is not that envelope."""
    assert transmitted.provider == "sandbox"
    settings.COURRIER_POSTAL_PROVIDER = "http"
    settings.COURRIER_POSTAL_API_URL, settings.COURRIER_POSTAL_API_KEY = "https://poste.example.fr/v1", "key"
    body, header = signed_event(event_type="mail.delivered", reference="pli_1", occurred_at=at(14))
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/courriers/webhooks/http/", data=body, content_type="application/json",
                               headers={webhooks.HEADER: header})
    assert response.status_code == 409 and not WebhookEvent.objects.exists()
    transmitted.refresh_from_db()
    assert transmitted.status == Status.TRANSMITTED and transmitted.delivery_status == ""
    # The sandbox's endpoint is no longer open: it is not the configured provider.
    assert client.post(URL, data=body, content_type="application/json",
                       headers={webhooks.HEADER: header}).status_code == 404


def test_event_ids_are_compared_whole_and_over_long_ones_refused(transmitted, deliver):
    prefix = "evt_" + "x" * 90  # two ids that share their first 94 characters are two events
    first = deliver(*signed_event(event_type="mail.posted", reference="pli_1", occurred_at=at(14),
                                  event_id=prefix + "-posted"))
    second = deliver(*signed_event(event_type="mail.in_transit", reference="pli_1", occurred_at=at(15),
                                   event_id=prefix + "-in-transit"))
    assert (first.content, second.content) == (b"applied", b"applied")
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == [prefix + "-in-transit",
                                                                                prefix + "-posted"]
    assert Envelope.objects.get(pk=transmitted.pk).delivery_status == DeliveryStatus.IN_TRANSIT
    too_long = deliver(*signed_event(event_type="mail.delivered", reference="pli_1", occurred_at=at(16),
                                     event_id="e" * 256))
    assert too_long.status_code == 400 and "identifiant d'évènement trop long" in too_long.content.decode()
    long_reference = deliver(*signed_event(event_type="mail.delivered", reference="pli_1" + "9" * 80,
                                           occurred_at=at(16)))
    assert long_reference.status_code == 400 and "référence trop longue" in long_reference.content.decode()
    not_text = deliver(*signed_event(event_type="mail.delivered", reference="pli_1", occurred_at=at(16),
                                     event_id=12345))
    assert not_text.status_code == 400
    assert WebhookEvent.objects.count() == 2
    assert Envelope.objects.get(pk=transmitted.pk).delivery_status == DeliveryStatus.IN_TRANSIT


def test_unknown_envelopes_are_retried_and_unknown_events_refused(transmitted, deliver, client):
    unknown = deliver(*signed_event(event_type="mail.posted", reference="pli_unknown", occurred_at=at(14)))
    assert unknown.status_code == 409 and not WebhookEvent.objects.exists()
    assert deliver(*signed_event(event_type="mail.exploded", reference="pli_1", occurred_at=at(14))).status_code == 400
    assert client.post("/courriers/webhooks/autre/", data=b"{}", content_type="application/json").status_code == 404
    assert client.get(URL).status_code == 405
