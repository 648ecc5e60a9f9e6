"""The 10:30 hand-over (set-based), the submission to the sandbox postal provider, its news."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courrier import services
from courrier.models import DeliveryStatus, Envelope, EnvelopeEvent, EventType, Status
from courrier.sandbox import provider as sandbox
from courrier.sandbox.models import SandboxPostalItem
from portal import clock

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def hand_over(moment: str) -> list[int]:
    now = datetime.fromisoformat(moment).replace(tzinfo=PARIS)
    return services.envelopes_hand_over(now=now, calendar=clock.business_calendar())


def clone(envelope: Envelope, count: int, **fields) -> list[int]:
    """Copies of a validated envelope's row (the hand-over only reads and moves rows)."""
    copies = []
    for _ in range(count):
        copy = Envelope.objects.get(pk=envelope.pk)
        copy.pk, copy.debit_entry_id = None, None  # each debit belongs to one envelope
        for name, value in fields.items():
            setattr(copy, name, value)
        copies.append(copy)
    return [row.pk for row in Envelope.objects.bulk_create(copies)]


@pytest.fixture
def validated(admin_user, make_envelope, funded, send):
    funded(admin_user.organisation, "200.00")

    def _validated(**kwargs):
        return send(make_envelope(admin_user, **kwargs), admin_user)

    return _validated


def test_due_envelopes_are_handed_over_at_10_30(admin_user, validated, send, make_envelope,
                                                 django_capture_on_commit_callbacks):
    today = validated()  # Monday 02/03 10:00: handed over today
    later = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 4))
    draft = make_envelope(admin_user)
    assert hand_over("2026-03-02T10:29") == []  # not yet 10:30
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert hand_over("2026-03-02T10:30") == [today.pk]
    assert len(callbacks) == 1  # the submission to the provider, queued after commit
    rows = {e.pk: e for e in Envelope.objects.all()}
    assert rows[today.pk].status == Status.TRANSMITTED and rows[today.pk].provider == "sandbox"
    assert rows[later.pk].status == Status.SCHEDULED and rows[draft.pk].status == Status.DRAFT
    assert EnvelopeEvent.objects.filter(envelope=today, type=EventType.TRANSMITTED).count() == 1
    assert hand_over("2026-03-02T15:00") == []  # nothing twice
    assert hand_over("2026-03-04T10:30") == [later.pk]


def test_a_missed_run_catches_up_and_holidays_hand_nothing_over(validated, set_now):
    set_now("2026-07-10T09:00")  # Friday before 14 July: handed over that day
    envelope = validated()
    assert envelope.handover_date == date(2026, 7, 10)
    assert hand_over("2026-07-14T10:30") == []  # public holiday
    assert hand_over("2026-07-15T09:00") == [envelope.pk]  # late, before 10:30: earlier days are due


def test_the_hand_over_is_two_statements_whatever_the_number(validated, django_capture_on_commit_callbacks):
    first = validated()
    small = clone(first, 2)
    with CaptureQueriesContext(connection) as few, django_capture_on_commit_callbacks(execute=False):
        assert len(hand_over("2026-03-02T10:30")) == 3
    second = Envelope.objects.get(pk=small[0])
    clone(second, 300, status=Status.SCHEDULED, transmitted_at=None, handover_date=date(2026, 3, 3))
    with CaptureQueriesContext(connection) as many, django_capture_on_commit_callbacks(execute=False) as queued:
        assert len(hand_over("2026-03-03T10:30")) == 300
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(queued) == 2  # chunks of 200 envelopes for the provider
    assert EnvelopeEvent.objects.filter(type=EventType.TRANSMITTED).count() == 303


def _post(validated_envelope, django_capture_on_commit_callbacks, set_now):
    set_now("2026-03-02T10:30")  # the sandbox dates its news with the business moment
    with django_capture_on_commit_callbacks(execute=False):
        ids = hand_over("2026-03-02T10:30")
        assert services.envelopes_submit(envelope_ids=ids) == len(ids)
        assert sandbox.sandbox_webhooks_deliver_in_process() == len(ids)
    return Envelope.objects.get(pk=validated_envelope.pk)


def test_the_sandbox_posts_tracked_envelopes_with_a_tracking_number(validated, django_capture_on_commit_callbacks,
                                                                   set_now):
    envelope = validated(mode="recommande_ar", sender=True)
    posted = _post(envelope, django_capture_on_commit_callbacks, set_now)
    assert posted.status == Status.POSTED and posted.posted_at is not None
    assert posted.tracking_number.startswith("1R") and len(posted.tracking_number) == 13
    assert posted.tracking_url == f"https://www.laposte.fr/outils/suivre-vos-envois?code={posted.tracking_number}"
    item = SandboxPostalItem.objects.get()
    assert item.client_reference == f"envelope-{envelope.pk}" and item.reference == posted.provider_reference
    assert item.recipient == posted.recipient_address_lines and item.sha256 == posted.print_document.sha256
    # Submitting again (a retried task) posts nothing twice.
    assert services.envelopes_submit(envelope_ids=[envelope.pk]) == 0
    assert SandboxPostalItem.objects.count() == 1
    # The deposit proof, then the acknowledgement once delivered (sandbox console, then the tick).
    assert services.envelope_proof_fetch(envelope_id=envelope.pk, kind="deposit")
    posted.refresh_from_db()
    assert posted.deposit_proof.content_type == "application/pdf"
    with django_capture_on_commit_callbacks(execute=False):
        sandbox.sandbox_event_play(reference=item.reference, event_type="mail.delivered", now=clock.local_now())
        sandbox.sandbox_webhooks_deliver_in_process()
    assert services.envelope_proof_fetch(envelope_id=envelope.pk, kind="acknowledgement")
    posted.refresh_from_db()
    assert posted.delivery_status == DeliveryStatus.DELIVERED and posted.acknowledgement_id


def test_untracked_envelopes_are_posted_without_tracking(validated, django_capture_on_commit_callbacks, set_now):
    posted = _post(validated(), django_capture_on_commit_callbacks, set_now)
    assert posted.status == Status.POSTED and posted.tracking_number == "" and posted.tracking_url == ""


def test_the_sandbox_tick_plays_la_poste(validated, django_capture_on_commit_callbacks, set_now):
    envelope = validated(mode="lettre_suivie", sender=True)
    _post(envelope, django_capture_on_commit_callbacks, set_now)
    with django_capture_on_commit_callbacks(execute=False):
        assert sandbox.sandbox_tick(now=datetime(2026, 3, 2, 11, 0, tzinfo=PARIS)) == {"in_transit": 0,
                                                                                        "delivered": 0}
        moved = sandbox.sandbox_tick(now=datetime(2026, 3, 2, 23, 0, tzinfo=PARIS))
        assert moved == {"in_transit": 1, "delivered": 0}
        assert sandbox.sandbox_tick(now=datetime(2026, 3, 4, 9, 0, tzinfo=PARIS)) == {"in_transit": 0,
                                                                                      "delivered": 1}
        sandbox.sandbox_webhooks_deliver_in_process()
    envelope.refresh_from_db()
    assert envelope.delivery_status == DeliveryStatus.DELIVERED
    assert list(envelope.events.values_list("type", flat=True))[-3:] == ["posted", "in_transit", "delivered"]


def test_submissions_a_lost_task_left_behind_are_queued_again(validated, django_capture_on_commit_callbacks):
    envelope = validated()
    with django_capture_on_commit_callbacks(execute=False):
        hand_over("2026-03-02T10:30")
    soon = datetime(2026, 3, 2, 10, 40, tzinfo=PARIS)
    assert services.envelopes_submit_stale(now=soon) == []  # the task has 15 minutes
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert services.envelopes_submit_stale(now=datetime(2026, 3, 2, 10, 46, tzinfo=PARIS)) == [envelope.pk]
    assert len(queued) == 1
    services.envelopes_submit(envelope_ids=[envelope.pk])
    assert services.envelopes_submit_stale(now=datetime(2026, 3, 2, 11, 0, tzinfo=PARIS)) == []
