"""Billing documents in an S3-compatible bucket (moto's server over HTTP): a receipt rendered
once, stored in the bucket and downloaded from it; the copy rendered by a lost race is deleted
from the bucket."""

import pytest
from django.conf import settings
from django.urls import reverse

from billing import documents
from billing.models import Receipt
from portal.pdf import document_bytes
from tests.s3 import local_files

pytestmark = pytest.mark.django_db


def test_a_receipt_goes_to_the_bucket_and_is_downloaded_from_it(s3_bucket, org, buy, admin_user, client_for):
    receipt = Receipt.objects.get(purchase=buy(org, "30.00"))
    document = documents.receipt_document_ensure(receipt_id=receipt.pk)
    assert s3_bucket.object_keys() == [document.file.name]
    response = client_for(admin_user).get(reverse("billing:receipt_pdf", args=[receipt.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == s3_bucket.read(document.file.name) == document_bytes(document)
    assert local_files(settings.MEDIA_ROOT) == []


def test_the_copy_of_a_lost_race_leaves_the_bucket(s3_bucket, org, buy):
    receipt = Receipt.objects.get(purchase=buy(org, "30.00"))
    kept = documents.receipt_document_ensure(receipt_id=receipt.pk)
    # Another worker rendered the same receipt meanwhile: its copy is stored, then dropped.
    attached = documents._attach(Receipt, pk=receipt.pk, content=b"%PDF-1.7 copie", name="recu-copie.pdf")
    assert attached.pk == kept.pk
    assert s3_bucket.object_keys() == [kept.file.name]
