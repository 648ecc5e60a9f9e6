"""Résiliation files in an S3-compatible bucket (moto's server over HTTP): an attachment
uploaded through the letter page lands in the bucket, is shown from it, and leaves with the
letter for the registered-mail provider (the sandbox), read back from the bucket."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from resiliation import services
from resiliation.models import SandboxRegisteredMail
from tests.resiliation.conftest import PDF_BYTES, pdf_upload
from tests.s3 import local_files

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_an_attachment_goes_to_the_bucket_and_leaves_with_the_letter(
        s3_bucket, admin_user, make_letter, orias_on_file, funded, client_for):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="scan", today=MORNING.date(), upload=pdf_upload())
    client = client_for(admin_user)
    response = client.post(reverse("resiliation:attachment_add", args=[letter.pk]),
                           {"file": pdf_upload("releve.pdf")})
    assert response.status_code == 302
    attachment = letter.attachments.select_related("document").get()
    assert attachment.document.file.name in s3_bucket.object_keys()
    assert s3_bucket.read(attachment.document.file.name) == PDF_BYTES
    shown = client.get(reverse("resiliation:document", args=[letter.pk, attachment.document_id]))
    assert shown.status_code == 200 and b"".join(shown.streaming_content) == PDF_BYTES

    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=False, start=None,
                           send=MORNING.date(), dates_confirmed=True, now=MORNING)
    assert services.letter_dispatch(letter_id=letter.pk, now=MORNING) is True
    sent = SandboxRegisteredMail.objects.get()
    assert sent.documents.count() == 3  # letter, mandate, attachment: read from the bucket
    letter.refresh_from_db()
    assert letter.sent_document.file.name in s3_bucket.object_keys()
    assert local_files(settings.MEDIA_ROOT) == []
