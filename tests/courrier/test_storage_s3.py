"""Paper-mail contents in an S3-compatible bucket (moto's server over HTTP): uploads, the PDF
LibreOffice makes from an office file read back from the bucket, the print PDF and page images
— shown from the bucket — and the 14-day purge, which deletes them from the bucket (La Poste's
proof stays)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from courrier import services
from courrier.models import DocumentStatus, Envelope
from courrier.sandbox import provider as sandbox
from portal import clock
from tests.courrier.conftest import odt_bytes, upload
from tests.courrier.test_retention import content_files
from tests.s3 import local_files

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_an_office_file_is_converted_from_the_bucket_into_the_bucket(s3_bucket, admin_user):
    envelope = services.envelope_create(by=admin_user, now=clock.local_now())
    [document] = services.documents_add(envelope=envelope, uploads=[upload("lettre.odt", odt_bytes())])
    assert s3_bucket.object_keys() == [document.original.file.name]
    assert services.document_convert(document_id=document.pk)  # the Celery task's body
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.pages == 1
    assert sorted([document.original.file.name, document.pdf.file.name]) == s3_bucket.object_keys()
    assert s3_bucket.read(document.pdf.file.name).startswith(b"%PDF")
    assert local_files(settings.MEDIA_ROOT) == []


def test_a_posted_envelope_is_shown_from_the_bucket_and_purged_from_it(
        s3_bucket, admin_user, make_envelope, funded, send, set_now, client_for,
        django_capture_on_commit_callbacks):
    funded(admin_user.organisation, "100.00")
    set_now("2026-02-13T09:00")
    envelope = send(make_envelope(admin_user, mode="recommande", sender=True), admin_user)
    set_now("2026-02-13T10:30")
    with django_capture_on_commit_callbacks(execute=False):
        services.envelopes_hand_over(now=clock.local_now(), calendar=clock.business_calendar())
        services.envelopes_submit(envelope_ids=[envelope.pk])
        sandbox.sandbox_webhooks_deliver_in_process()
    services.envelope_proof_fetch(envelope_id=envelope.pk, kind="deposit")
    envelope = Envelope.objects.get(pk=envelope.pk)
    contents = content_files(envelope)
    assert len(contents) >= 4 and set(contents) | {envelope.deposit_proof.file.name} == set(s3_bucket.object_keys())

    client = client_for(admin_user)
    printed = client.get(reverse("courrier:print_pdf", args=[envelope.pk]))
    assert b"".join(printed.streaming_content) == s3_bucket.read(envelope.print_document.file.name)
    image = client.get(reverse("courrier:preview", args=[envelope.pk, 1]))
    assert image.status_code == 200 and b"".join(image.streaming_content).startswith(b"\x89PNG")

    with django_capture_on_commit_callbacks(execute=True):  # files leave the bucket once committed
        result = services.contents_purge(now=datetime(2026, 2, 27, 10, 30, tzinfo=PARIS))
    assert (result.envelopes, result.files) == (1, len(set(contents)))
    assert s3_bucket.object_keys() == [envelope.deposit_proof.file.name]  # La Poste's proof stays
    assert local_files(settings.MEDIA_ROOT) == []
