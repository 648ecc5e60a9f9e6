"""Retention: contents deleted 14 days after posting (drafts and cancelled envelopes: 30 days);
files really gone from storage; metadata, prices, proofs and history kept."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courrier import services
from courrier.models import Envelope, EnvelopeDocument, EventType, Status
from courrier.sandbox import provider as sandbox
from portal import clock
from portal.models import StoredDocument

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def content_files(envelope: Envelope) -> list[str]:
    names = [envelope.print_document.file.name] if envelope.print_document_id else []
    for document in envelope.documents.select_related("original", "pdf"):
        names += [d.file.name for d in (document.original, document.pdf) if d is not None]
    names += [preview.image.file.name for preview in envelope.previews.select_related("image")]
    return names


@pytest.fixture
def posted_on(admin_user, make_envelope, funded, send, set_now, django_capture_on_commit_callbacks):
    """A recommandé sent, handed over and posted on a given day (the sandbox, in-process)."""
    funded(admin_user.organisation, "100.00")

    def _posted(day: str) -> Envelope:
        set_now(f"{day}T09:00")
        envelope = send(make_envelope(admin_user, mode="recommande", sender=True), admin_user)
        set_now(f"{day}T10:30")
        with django_capture_on_commit_callbacks(execute=False):
            services.envelopes_hand_over(now=clock.local_now(), calendar=clock.business_calendar())
            services.envelopes_submit(envelope_ids=[envelope.pk])
            sandbox.sandbox_webhooks_deliver_in_process()
        services.envelope_proof_fetch(envelope_id=envelope.pk, kind="deposit")
        return Envelope.objects.get(pk=envelope.pk)

    return _posted


def purge(at: str, capture) -> services.PurgeResult:
    with capture(execute=True):  # files leave the storage once the batch is committed
        return services.contents_purge(now=moment(at))


def test_contents_go_14_days_after_posting_and_the_rest_stays(posted_on, django_capture_on_commit_callbacks):
    old = posted_on("2026-02-13")  # a Friday; 14 days later: Friday 27 February
    recent = posted_on("2026-02-17")
    old_files, recent_files = content_files(old), content_files(recent)
    assert len(old_files) >= 4 and all(default_storage.exists(name) for name in old_files + recent_files)
    assert purge("2026-02-27T10:29", django_capture_on_commit_callbacks).envelopes == 0  # 13 days, 23 h
    result = purge("2026-02-27T10:30", django_capture_on_commit_callbacks)
    assert (result.envelopes, result.files) == (1, len(set(old_files)))
    assert not any(default_storage.exists(name) for name in old_files)
    assert all(default_storage.exists(name) for name in recent_files)
    kept = Envelope.objects.get(pk=old.pk)
    assert kept.content_deleted_at == moment("2026-02-27T10:30") and kept.print_document is None
    assert not kept.previews.exists()
    assert (kept.status, kept.price, kept.sheets, kept.tracking_number, kept.recipient_name) == (
        Status.POSTED, old.price, old.sheets, old.tracking_number, old.recipient_name)
    assert kept.deposit_proof_id and default_storage.exists(kept.deposit_proof.file.name)  # La Poste's proof stays
    assert list(kept.documents.values_list("name", "pages", "original", "pdf")) == [("lettre.pdf", 1, None, None)]
    assert list(kept.events.values_list("type", flat=True))[-1] == EventType.CONTENT_DELETED
    assert not StoredDocument.objects.filter(file__in=old_files).exists()
    # A second run finds nothing more.
    assert purge("2026-02-28T03:15", django_capture_on_commit_callbacks).envelopes == 0


def test_drafts_and_cancelled_envelopes_go_after_30_days(admin_user, make_envelope, funded, send, set_now,
                                                         django_capture_on_commit_callbacks):
    funded(admin_user.organisation)
    set_now("2026-01-30T09:00")
    draft = make_envelope(admin_user)
    services.envelope_prepare(envelope=draft)
    cancelled = send(make_envelope(admin_user), admin_user, send_on=moment("2026-02-10T00:00").date())
    services.envelope_cancel(envelope=cancelled, by=admin_user, now=clock.local_now())
    set_now("2026-02-20T09:00")
    young = make_envelope(admin_user)
    files = content_files(Envelope.objects.get(pk=draft.pk)) + content_files(Envelope.objects.get(pk=cancelled.pk))
    assert purge("2026-02-28T09:00", django_capture_on_commit_callbacks).envelopes == 0  # 29 days
    result = purge("2026-03-01T09:00", django_capture_on_commit_callbacks)
    assert result.envelopes == 2 and not any(default_storage.exists(name) for name in files)
    assert set(Envelope.objects.filter(content_deleted_at__isnull=False).values_list("pk", flat=True)) == {
        draft.pk, cancelled.pk}
    assert Envelope.objects.get(pk=young.pk).content_deleted_at is None
    from portal.errors import ApplicationError

    with pytest.raises(ApplicationError, match="a été supprimé"):
        services.documents_add(envelope=Envelope.objects.get(pk=draft.pk), uploads=[])


def test_the_purge_is_set_based(admin_user, make_envelope, set_now, django_capture_on_commit_callbacks):
    set_now("2026-01-10T09:00")
    envelopes = [make_envelope(admin_user, uploads=None) for _ in range(2)]
    with CaptureQueriesContext(connection) as few:
        assert purge("2026-03-01T09:00", django_capture_on_commit_callbacks).envelopes == 2
    # Ten more drafts of three documents each: the same statements.
    from tests.courrier.conftest import pdf_upload

    for _ in range(10):
        envelope = services.envelope_create(by=admin_user, now=clock.local_now())
        services.documents_add(envelope=envelope, uploads=[pdf_upload("a.pdf"), pdf_upload("b.pdf"),
                                                           pdf_upload("c.pdf")])
    with CaptureQueriesContext(connection) as many:
        assert purge("2026-03-01T09:00", django_capture_on_commit_callbacks).envelopes == 10
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not EnvelopeDocument.objects.filter(original__isnull=False).exists()
    assert len(envelopes) == 2
