"""Adding versions: type read from the content, SHA-256 kept, a series' version and date of
effect never given twice, French errors and nothing stored on bad input."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from library import services
from library.models import DocumentKind, ProductDocument
from portal.errors import ApplicationError
from portal.models import StoredDocument
from portal.pdf import document_bytes, sha256_hex
from tests.files import pdf_bytes
from tests.library.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _add(product, **overrides):
    values = {"product": product, "kind": DocumentKind.GENERAL_CONDITIONS, "title": "", "version": "01-2026",
              "effective_from": date(2026, 1, 1), "upload": pdf_upload(), "by": None, **overrides}
    return services.product_document_add(**values)


def test_a_version_is_kept_as_uploaded_with_its_sha256(product, accounting_user):
    document = _add(product, by=accounting_user)
    assert document.title == "Conditions générales"  # the kind's label when no title is given
    assert document.document.content_type == "application/pdf"
    assert document.document.sha256 == sha256_hex(pdf_bytes()) == sha256_hex(document_bytes(document.document))
    assert document.document.original_name == "Conditions générales 01-2026.pdf"
    assert document.uploaded_by == accounting_user


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"upload": SimpleUploadedFile("cg.pdf", b"<html><body>pas un PDF</body></html>", "application/pdf")},
     "upload", "n'est pas d'un type accepté"),
    ({"upload": SimpleUploadedFile("cg.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")},
     "upload", "n'est pas d'un type accepté"),
    ({"upload": None}, "upload", "Choisissez un fichier."),
    ({"version": "   "}, "version", "Indiquez la version"),
    ({"version": "x" * 31}, "version", "30 caractères"),
    ({"effective_from": None}, "effective_from", "date d'effet"),
    ({"kind": "testament"}, "kind", "type de document"),
])
def test_bad_input_is_refused_in_french_and_stores_nothing(product, overrides, field, message):
    with pytest.raises(ApplicationError) as refused:
        _add(product, **overrides)
    assert refused.value.field == field and message in refused.value.message
    assert not ProductDocument.objects.exists() and not StoredDocument.objects.exists()


def test_an_encrypted_pdf_is_refused(product):
    upload = SimpleUploadedFile("cg.pdf", pdf_bytes(user_password="secret"), "application/pdf")
    with pytest.raises(ApplicationError, match="mot de passe"):
        _add(product, upload=upload)


def test_a_version_or_a_date_of_effect_is_never_given_twice_in_a_series(product):
    _add(product)
    with pytest.raises(ApplicationError, match="existe déjà"):
        _add(product, effective_from=date(2026, 2, 1))
    with pytest.raises(ApplicationError, match="prend déjà effet à cette date"):
        _add(product, version="02-2026")
    # Another series (another kind, or another title) may use them.
    _add(product, kind=DocumentKind.INFORMATION_NOTICE)
    _add(product, kind=DocumentKind.FORM, title="Questionnaire de souscription")
    _add(product, kind=DocumentKind.FORM, title="Mandat de prélèvement")
    assert ProductDocument.objects.count() == 4 and StoredDocument.objects.count() == 4


def test_a_form_may_be_an_office_file(product):
    from tests.files import FILES

    upload = SimpleUploadedFile("questionnaire.docx", (FILES / "lettre.docx").read_bytes())
    document = _add(product, kind=DocumentKind.FORM, upload=upload)
    assert document.document.original_name.endswith(".docx")
