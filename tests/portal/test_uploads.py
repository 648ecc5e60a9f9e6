"""Uploads are judged on their content and layout, stored under a name whose extension comes
from the detected type, and served only with that type, as attachments, with ``nosniff``."""

from __future__ import annotations

import importlib
import io
import os
import zipfile
from datetime import date

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from portal import files, pdf, uploads
from portal.errors import ApplicationError
from portal.models import StoredDocument
from tests import files as samples
from tests.files import PDF_BYTES, PNG_BYTES, cfb_bytes, pdf_bytes, sample, upload, with_entries, xlsx_bytes, zip_bytes

ACCEPTED = {**uploads.PDF, **uploads.OFFICE, **uploads.IMAGES}
NOT_ACCEPTED = "n'est pas d'un type accepté"
PASSWORD = "protégé par un mot de passe"
CORRUPT = "endommagé ou illisible"


def check(content: bytes, *, name: str = "document.bin", allowed=None) -> uploads.CheckedUpload:
    return uploads.check_upload(upload(name, content), allowed=ACCEPTED if allowed is None else allowed,
                                field="file")


def refused(content: bytes, *, name: str = "document.bin", allowed=None) -> str:
    with pytest.raises(ApplicationError) as error:
        check(content, name=name, allowed=allowed)
    assert error.value.field == "file"
    return error.value.message


# ------------------------------------------------------------------ what is accepted


@pytest.mark.parametrize(("sample_name", "mime", "extension"), [
    ("releve.xlsx", uploads.XLSX, "xlsx"),
    ("releve.xls", uploads.XLS, "xls"),
    ("lettre.docx", uploads.DOCX, "docx"),
    ("lettre.doc", uploads.DOC, "doc"),
    ("diapo.pptx", uploads.PPTX, "pptx"),
    ("lettre.odt", uploads.ODT, "odt"),
    ("releve.ods", uploads.ODS, "ods"),
    ("diapo.odp", uploads.ODP, "odp"),
])
def test_real_office_files_are_accepted_with_their_type_and_extension(sample_name, mime, extension):
    checked = check(sample(sample_name), name="Relevé de compte.exe")
    assert (checked.content_type, checked.name) == (mime, f"Relevé de compte.{extension}")


def test_pdf_image_and_openpyxl_workbook_are_accepted():
    assert check(PDF_BYTES, name="a.pdf").content_type == "application/pdf"
    assert check(PNG_BYTES, name="a.png").content_type == "image/png"
    assert check(xlsx_bytes(), name="a.xlsx", allowed=uploads.EXCEL).content_type == uploads.XLSX
    # A PDF that only restricts printing or copying (owner password) opens without a password.
    assert check(pdf_bytes(owner_password="owner"), name="a.pdf").content_type == "application/pdf"


# ------------------------------------------------------------- containers, for real


def test_a_zip_with_xl_folder_and_payloads_is_not_excel():
    """The review's file: ``xl/`` in the first bytes used to be enough to count as Excel."""
    content = zip_bytes({"xl/workbook.xml": "<workbook/>", "payload.exe": b"MZ\x90\x00", "index.html": "<html>"})
    assert NOT_ACCEPTED in refused(content, name="releve.xlsx", allowed=uploads.EXCEL)


@pytest.mark.parametrize("extra", ["payload.exe", "index.html", "xl/media/page.html", "xl/vbaProject.bin",
                                   "xl/../../evil.xml", "scripts/run.js", "readme.txt"])
def test_a_real_workbook_carrying_anything_else_is_refused(extra):
    message = refused(with_entries(xlsx_bytes(), {extra: b"MZ"}), name="releve.xlsx", allowed=uploads.EXCEL)
    assert "élément inattendu" in message and extra in message


@pytest.mark.parametrize("content", [
    pytest.param(samples.without_entries(xlsx_bytes(), "[Content_Types].xml"), id="no-content-types"),
    pytest.param(samples.without_entries(xlsx_bytes(), "xl/workbook.xml"), id="main-part-missing"),
    pytest.param(zip_bytes({"[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override '
        'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'),
        "xl/workbook.xml": "<workbook/>"}), id="macro-enabled"),
    pytest.param(sample("lettre.docx"), id="word-is-not-excel"),
    pytest.param(sample("releve.ods"), id="opendocument-is-not-excel"),
    pytest.param(sample("lettre.doc"), id="legacy-word-is-not-excel"),
])
def test_a_container_whose_layout_is_not_the_declared_type_is_refused(content):
    assert NOT_ACCEPTED in refused(content, name="releve.xlsx", allowed=uploads.EXCEL)


def test_opendocument_types_follow_their_mimetype_entry():
    text = sample("lettre.odt")
    assert NOT_ACCEPTED in refused(text, name="tableau.ods", allowed={uploads.ODS: "LibreOffice"})
    lying = with_entries(text, {"mimetype": uploads.ODS})  # says spreadsheet, holds a text
    assert check(lying, allowed={uploads.ODS: "LibreOffice"}).content_type == uploads.ODS  # layout of an ODF: ok
    assert "élément inattendu" in refused(with_entries(text, {"Basic/Standard/Module1.xml": "<macro/>"}))


def test_password_protected_files_are_refused_with_a_clear_message():
    encrypted_ooxml = cfb_bytes({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 64})
    assert PASSWORD in refused(encrypted_ooxml, name="releve.xlsx", allowed=uploads.EXCEL)
    assert PASSWORD in refused(pdf_bytes(user_password="secret"), name="releve.pdf")
    odf = sample("lettre.odt")
    manifest = zipfile.ZipFile(io.BytesIO(odf)).read("META-INF/manifest.xml").replace(
        b'manifest:full-path="content.xml"',
        b'manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></x')
    assert PASSWORD in refused(with_entries(odf, {"META-INF/manifest.xml": manifest}), name="lettre.odt")


def test_a_zip_entry_flagged_encrypted_is_a_password_protected_file():
    content = bytearray(xlsx_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo("xl/workbook.xml")
    content[info.header_offset + 6] |= 0x1  # general purpose flag, bit 0: encrypted (local header)
    name = info.filename.encode()
    central = next(offset for offset in range(len(content) - 4) if content[offset:offset + 4] == b"PK\x01\x02"
                   and content[offset + 46:offset + 46 + len(name)] == name)
    content[central + 8] |= 0x1  # the same flag in the central directory
    assert PASSWORD in refused(bytes(content), name="releve.xlsx", allowed=uploads.EXCEL)


def test_zip_bombs_are_refused(monkeypatch):
    bomb = with_entries(xlsx_bytes(), {"xl/worksheets/sheet2.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(bomb) < 200_000
    assert "trop volumineux une fois décompressé" in refused(bomb, name="releve.xlsx", allowed=uploads.EXCEL)
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 512 * 1024)
    incompressible = with_entries(xlsx_bytes(), {"xl/media/image1.png": os.urandom(600 * 1024)})
    assert "trop volumineux une fois décompressé" in refused(incompressible, name="releve.xlsx")


def test_a_damaged_archive_is_refused():
    content = bytearray(xlsx_bytes())
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    info = archive.getinfo("xl/styles.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 5, start + 25):
        content[offset] ^= 0x5A
    assert CORRUPT in refused(bytes(content), name="releve.xlsx", allowed=uploads.EXCEL)
    assert CORRUPT in refused(xlsx_bytes()[:-40], name="releve.xlsx", allowed=uploads.EXCEL)


def test_legacy_office_files_only_when_libmagic_names_their_kind():
    assert check(cfb_bytes({"Workbook": b"\x09\x08"}), allowed=uploads.EXCEL).content_type == uploads.XLS
    # Any other OLE container (an installer, a Visio drawing…) is not a spreadsheet.
    assert NOT_ACCEPTED in refused(cfb_bytes({"Contents": b"\x00" * 16}), allowed=uploads.EXCEL)


@pytest.mark.parametrize(("content", "message"), [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", CORRUPT),
    (PDF_BYTES[: len(PDF_BYTES) // 2], CORRUPT),
    (pdf_bytes(pages=0), "aucune page"),
    (PNG_BYTES[:40], CORRUPT),
])
def test_corrupt_and_empty_pdfs_and_images_are_refused(content, message):
    assert message in refused(content, name="scan.pdf")


def test_size_and_emptiness_are_still_checked():
    assert "vide" in refused(b"", name="vide.pdf")
    assert "taille maximale de 10 Mo" in refused(PDF_BYTES + b"0" * (10 * 1024 * 1024), name="gros.pdf")


# ---------------------------------------------------------------------- stored name


@pytest.mark.parametrize(("name", "stored"), [
    ("releve.exe", "releve.pdf"),
    ("justificatif.html", "justificatif.pdf"),
    ("facture.pdf.exe", "facture_pdf.pdf"),
    ("../../etc/passwd", "passwd.pdf"),
    ("C:\\Users\\moi\\Relevé n°3.PDF", "Relevé n_3.pdf"),
    ('a"b\r\nContent-Type: text.pdf', "a_b_Content-Type_text.pdf"),
    ("  __ -Relevé   de   compte- __ .pdf", "Relevé de compte.pdf"),
    ("gnp.\u202etxt", "gnp.pdf"),
    (".htaccess", "htaccess.pdf"),
    ("", "document.pdf"),
    (None, "document.pdf"),
    ("x" * 300 + ".pdf", "x" * 100 + ".pdf"),
])
def test_the_stored_name_is_a_safe_base_name_with_the_detected_extension(name, stored):
    assert uploads.stored_name(name, "application/pdf") == stored


@pytest.mark.django_db
def test_every_stored_document_gets_the_extension_of_its_type():
    document = pdf.document_store(content=PNG_BYTES, name="photo.html", content_type="image/png")
    assert document.original_name == "photo.png" and document.file.name.endswith(".png")


def test_the_migration_applies_the_same_naming_rule():
    migration = importlib.import_module("portal.migrations.0006_stored_document_names_from_type")
    names = ["releve.exe", "facture.pdf.exe", "C:\\dir\\Relevé n°3.PDF", "a\"b\r\n.pdf", "", "é" * 300]
    for content_type in [*uploads.TYPES, "application/x-unknown"]:
        for name in names:
            assert migration._stored_name(name, content_type) == uploads.stored_name(name, content_type)


# ------------------------------------------------------------------------- serving


def legacy_row(name: str, content: bytes, content_type: str) -> StoredDocument:
    """A row stored before the naming rule: its name kept the uploader's extension."""
    document = StoredDocument(original_name=name, content_type=content_type, size=len(content), sha256="0" * 64)
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def assert_served(response, *, content_type: str, filename: str, disposition: str = "attachment") -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'{disposition}; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_served_type_and_name_come_from_the_stored_type():
    document = legacy_row("releve.exe", PDF_BYTES, "application/pdf")
    assert_served(files.document_response(document), content_type="application/pdf", filename="releve.pdf")
    image = legacy_row("photo.html", PNG_BYTES, "image/png")
    # Only a PDF may be shown inline (the preview frames); anything else is always an attachment.
    assert_served(files.document_response(image, inline=True), content_type="image/png", filename="photo.png")
    unknown = legacy_row("page.html", b"<html><script>alert(1)</script>", "text/html")
    assert_served(files.document_response(unknown, inline=True), content_type="application/octet-stream",
                  filename="page.bin")


@pytest.mark.django_db
def test_the_migration_renames_rows_not_files():
    migration = importlib.import_module("portal.migrations.0006_stored_document_names_from_type")
    exe = legacy_row("releve.exe", PDF_BYTES, "application/pdf")
    ole = legacy_row("tableau.xls", sample("releve.xls"), "application/x-ole-storage")
    paths = {exe.pk: exe.file.name, ole.pk: ole.file.name}
    migration.forwards(apps, None)
    exe.refresh_from_db()
    ole.refresh_from_db()
    assert (exe.original_name, exe.content_type) == ("releve.pdf", "application/pdf")
    assert (ole.original_name, ole.content_type) == ("tableau.xls", uploads.XLS)
    assert {exe.pk: exe.file.name, ole.pk: ole.file.name} == paths
    assert pdf.document_bytes(exe) == PDF_BYTES


@pytest.fixture
def letter(admin_user):
    from resiliation import services
    from resiliation.insurers import insurers_load
    from resiliation.models import Insurer

    insurers_load(Insurer)
    return services.letter_create(
        by=admin_user, insurer=Insurer.objects.get(name="MAAF ASSURANCES"),
        subscriber=services.SubscriberData(civility="M", last_name="Dupont", first_name="Jean",
                                           address_line1="2 rue des Fleurs", postal_code="38000", city="Grenoble",
                                           email="jean.dupont@client.test"),
        contract=services.ContractData(contract_type="auto", reference="1234", reason="main_due_date",
                                       main_due_date=date(2026, 7, 1)))


@pytest.mark.django_db
def test_letter_attachments_are_served_with_their_detected_type(letter, admin_user, client_for):
    from resiliation import services

    client = client_for(admin_user)
    for name, content in [("justificatif.html", PDF_BYTES), ("releve.exe", PNG_BYTES)]:
        services.letter_attachment_add(letter=letter, upload=upload(name, content, "text/html"))
    pdf_attachment, png_attachment = letter.attachments.select_related("document").order_by("id")
    assert [pdf_attachment.document.original_name, png_attachment.document.original_name] == [
        "justificatif.pdf", "releve.png"]
    url = "resiliation:document"
    assert_served(client.get(reverse(url, args=[letter.pk, pdf_attachment.document_id])),
                  content_type="application/pdf", filename="justificatif.pdf", disposition="inline")
    assert_served(client.get(reverse(url, args=[letter.pk, png_attachment.document_id])),
                  content_type="image/png", filename="releve.png")


@pytest.mark.django_db
def test_the_clerk_downloads_an_extension_document_under_its_detected_type(
        emission, org, admin_user, accounting_user, client_for, set_today):
    from amiable import cycle, services
    from amiable.models import Case, ExtensionRequest
    from portal.businessdays import BusinessCalendar

    calendar = BusinessCalendar()
    call = emission(broker=org)
    cycle.amiable_tick(today=date(2026, 2, 12), calendar=calendar)
    case = Case.objects.get(premium_call=call)
    services.case_answer(case=case, by=admin_user, requested=True, reason="other", comment="Échéancier",
                         today=date(2026, 2, 13), calendar=calendar,
                         document=upload("echeancier.exe", xlsx_bytes()))
    extension = ExtensionRequest.objects.get(case=case)
    response = client_for(accounting_user).get(reverse("admin:amiable_extensionrequest_document",
                                                       args=[extension.id]))
    assert_served(response, content_type=uploads.XLSX, filename="echeancier.xlsx")


@pytest.mark.django_db
def test_the_admin_serves_stored_documents_through_the_same_door(accounting_user, admin_user, client_for):
    document = legacy_row("releve.exe", PDF_BYTES, "application/pdf")
    url = reverse("admin:portal_storeddocument_download", args=[document.pk])
    assert_served(client_for(accounting_user).get(url), content_type="application/pdf", filename="releve.pdf")
    assert client_for(admin_user).get(url).status_code == 302  # brokers never get into the admin
    page = client_for(accounting_user).get(reverse("admin:portal_storeddocument_change", args=[document.pk]))
    assert url in page.content.decode() and "/media-not-served/" not in page.content.decode()
