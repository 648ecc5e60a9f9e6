"""Staff add versions in the admin (accounting clerks included): the type is checked on the
content, errors in French on the form, nothing stored; an issued version is never changed nor
deleted; a superuser may delete a version before its date of effect."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from library.models import DocumentKind, ProductDocument
from portal import services as portal_services
from portal.models import Role, StoredDocument, User
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db
ADD = reverse("admin:library_productdocument_add")


@pytest.fixture
def clerk(accounting_user):
    portal_services.accounting_group_sync()
    return User.objects.get(pk=accounting_user.pk)


@pytest.fixture
def superuser(db):
    user = portal_services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    return User.objects.get(pk=user.pk)


def _post(product, upload, **overrides):
    return {"product": product.pk, "kind": DocumentKind.GENERAL_CONDITIONS, "title": "", "version": "01-2026",
            "effective_from": "01/01/2026", "upload": upload, **overrides}


def test_a_clerk_adds_a_version(client_for, clerk, product):
    upload = SimpleUploadedFile("CG.PDF", pdf_bytes(), "application/pdf")
    response = client_for(clerk).post(ADD, _post(product, upload))
    assert response.status_code == 302, response.content.decode()[:2000]
    document = ProductDocument.objects.get()
    assert (document.title, document.version, document.effective_from) == (
        "Conditions générales", "01-2026", date(2026, 1, 1))
    assert document.uploaded_by == clerk and document.document.sha256


def test_a_file_whose_type_lies_is_a_form_error(client_for, clerk, product):
    lying = SimpleUploadedFile("cg.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    response = client_for(clerk).post(ADD, _post(product, lying))
    assert response.status_code == 200
    assert "n&#x27;est pas d&#x27;un type accepté" in response.content.decode()
    assert not ProductDocument.objects.exists() and not StoredDocument.objects.exists()


def test_a_repeated_version_is_a_form_error(client_for, clerk, product, add_version):
    add_version(product, version="01-2026", effective_from=date(2026, 1, 1))
    upload = SimpleUploadedFile("cg.pdf", pdf_bytes(), "application/pdf")
    response = client_for(clerk).post(ADD, _post(product, upload, effective_from="01/02/2026"))
    assert response.status_code == 200 and "Cette version de ce document existe déjà" in response.content.decode()
    assert ProductDocument.objects.count() == 1


def test_issued_versions_are_never_changed_or_deleted(client_for, clerk, superuser, library):
    current, future = library["current"], library["future"]
    for user in (clerk, superuser):
        client = client_for(user)
        change = client.get(reverse("admin:library_productdocument_change", args=[current.pk])).content.decode()
        assert 'name="_save"' not in change
        assert client.post(reverse("admin:library_productdocument_delete", args=[current.pk]),
                           {"post": "yes"}).status_code == 403
    assert client_for(clerk).post(reverse("admin:library_productdocument_delete", args=[future.pk]),
                                  {"post": "yes"}).status_code == 403
    # Before its date of effect, a superuser may withdraw a version.
    assert client_for(superuser).post(reverse("admin:library_productdocument_delete", args=[future.pk]),
                                      {"post": "yes"}).status_code == 302
    assert set(ProductDocument.objects.values_list("pk", flat=True)) == {
        library["old"].pk, current.pk, library["notice"].pk}
    assert not StoredDocument.objects.filter(pk=future.document_id).exists()  # its file went with it
