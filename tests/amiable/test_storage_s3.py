"""Cycle amiable files in an S3-compatible bucket (moto's server over HTTP): the letter PDF
rendered by the task is written to the bucket and downloaded from it; the document of an
extension request is uploaded to it and served to accounting from it."""

from datetime import date

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amiable import letters
from amiable.models import ExtensionRequest, Letter, LetterKind
from tests.files import PDF_BYTES
from tests.s3 import local_files

pytestmark = pytest.mark.django_db


def test_a_letter_pdf_goes_to_the_bucket_and_is_downloaded_from_it(s3_bucket, make_case, client_for, admin_user):
    letter = Letter.objects.get(case=make_case(), kind=LetterKind.REMINDER)
    assert letters.letter_render(letter_id=letter.id)
    letter.refresh_from_db()
    assert s3_bucket.object_keys() == [letter.document.file.name]
    response = client_for(admin_user).get(reverse("amiable:letter_pdf", args=[letter.id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == s3_bucket.read(letter.document.file.name) and body.startswith(b"%PDF")
    assert int(response["Content-Length"]) == len(body)
    assert local_files(settings.MEDIA_ROOT) == []


def test_an_extension_document_is_uploaded_to_the_bucket_and_served_to_accounting(
        s3_bucket, make_case, api_for, client_for, admin_user, accounting_user, set_today):
    case = make_case()
    set_today(date(2026, 2, 13))
    content = PDF_BYTES  # a real PDF: uploads are opened
    response = api_for(admin_user).post(f"/api/v1/amiable/cases/{case.id}/extension/", {
        "requested": True, "reason": "awaiting_funds", "comment": "Virement attendu",
        "document": SimpleUploadedFile("virement.pdf", content),
    }, format="multipart")
    assert response.status_code == 200, response.json()
    extension = ExtensionRequest.objects.select_related("document").get(case=case)
    assert extension.document.file.name in s3_bucket.object_keys()
    assert s3_bucket.read(extension.document.file.name) == content
    download = client_for(accounting_user).get(reverse("admin:amiable_extensionrequest_document",
                                                       args=[extension.id]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert local_files(settings.MEDIA_ROOT) == []
