"""courrier.processing.office_to_pdf: real LibreOffice conversions (they fail, not skip, when
LibreOffice is missing: ``make system-deps`` installs it)."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import threading
import time

import magic
import pypdf
import pytest

from courrier import processing
from courrier.processing import office
from portal.errors import ApplicationError
from tests.courrier.fixtures.documents import docx_bytes, fixture_bytes, odt_bytes, xlsx_bytes, zipped


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def processes_mentioning(text: str) -> list[str]:
    """Command lines of the running processes that mention ``text``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(f"{pid}: {command}")
    return found


def test_the_programs_are_installed():
    assert processing.tools_missing() == [], "make system-deps installe LibreOffice et Tesseract (fra)"


@pytest.fixture(scope="module")
def parallel_conversions():
    """A Word and a LibreOffice document converted at the same time in two threads."""
    inputs = {
        "lettre.docx": docx_bytes(["Objet : attestation Word", "Paragraphe un.", "Paragraphe deux."]),
        "lettre.odt": odt_bytes(["Objet : attestation LibreOffice", "Un paragraphe."]),
    }
    results, errors, spans = {}, {}, {}
    barrier = threading.Barrier(len(inputs))

    def convert(name: str) -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            results[name] = processing.office_to_pdf(inputs[name], filename=name, timeout=120)
        except Exception as error:  # reported by the tests
            errors[name] = error
        spans[name] = (started, time.monotonic())

    threads = [threading.Thread(target=convert, args=(name,)) for name in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors, spans


def test_two_conversions_run_at_once_and_both_succeed(parallel_conversions):
    results, errors, spans = parallel_conversions
    assert errors == {}
    assert set(results) == {"lettre.docx", "lettre.odt"}
    (start_a, end_a), (start_b, end_b) = spans.values()
    assert start_a < end_b and start_b < end_a  # they overlapped


def test_a_word_document_becomes_an_a4_pdf_with_its_text(parallel_conversions):
    converted = parallel_conversions[0]["lettre.docx"]
    assert converted.pages == 1
    text = pdf_text(converted.pdf)
    assert "Objet : attestation Word" in text and "Paragraphe deux." in text
    [page] = pypdf.PdfReader(io.BytesIO(converted.pdf)).pages
    assert (round(float(page.mediabox.width) / 72 * 25.4), round(float(page.mediabox.height) / 72 * 25.4)) == (210, 297)


def test_an_opendocument_text_becomes_a_pdf_with_its_text(parallel_conversions):
    converted = parallel_conversions[0]["lettre.odt"]
    assert converted.pages == 1
    assert "Objet : attestation LibreOffice" in pdf_text(converted.pdf)


def test_an_excel_workbook_becomes_a_pdf():
    rows = [["Police", "Sociétaire", "Montant"]] + [[f"01{index:05d}", f"Sociétaire {index}", index * 10] for index in range(80)]
    converted = processing.office_to_pdf(xlsx_bytes(rows), filename="cotisations.xlsx")
    assert converted.pages >= 2  # 81 rows do not fit one page
    text = pdf_text(converted.pdf)
    assert "Sociétaire 0" in text and "0100079" in text


def test_a_timeout_kills_libreoffice_and_removes_its_files(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ApplicationError, match="La conversion du document a dépassé le délai") as raised:
        processing.office_to_pdf(docx_bytes(["Trop long"]), filename="long.docx", timeout=0.3)
    assert raised.value.field == "documents"
    assert processes_mentioning(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []


def test_a_timeout_kills_the_whole_process_group(monkeypatch, tmp_path):
    """LibreOffice's launcher starts ``soffice.bin``; a hung conversion can leave helpers behind:
    everything started by the conversion goes, not only the process we started."""
    helper = tmp_path / "hung-office-helper"
    helper.write_text("#!/bin/sh\nsleep 60\n")
    program = tmp_path / "soffice"
    program.write_text(f'#!/bin/sh\n[ "$1" = --version ] && echo "LibreOffice 7.4.7.2 40(Build:2)" && exit 0\n'
                       f"{helper} &\n{helper}\n")
    for script in (helper, program):
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(office, "soffice_path", lambda: str(program))
    with pytest.raises(ApplicationError, match="dépassé le délai de 1 secondes"):
        processing.office_to_pdf(docx_bytes(["Bloqué"]), filename="bloque.docx", timeout=1)
    assert processes_mentioning(str(helper)) == []


def test_a_password_protected_word_document_is_refused_with_a_clear_message():
    content = fixture_bytes("password-secret.docx")
    message = "Ce document est protégé par un mot de passe : enregistrez-le sans protection puis ajoutez-le de nouveau."
    # libmagic names it application/encrypted: still an office file, so the user hears why.
    assert processing.kind_of(magic.from_buffer(content, mime=True)) == "office"
    with pytest.raises(ApplicationError) as raised:
        processing.office_check(content)
    assert raised.value.message == message
    with pytest.raises(ApplicationError) as raised:
        processing.office_to_pdf(content, filename="protege.docx")
    assert raised.value.message == message


def test_a_password_protected_opendocument_is_refused():
    # An encrypted OpenDocument file declares how each part is encrypted in its manifest.
    protected = zipped({
        "mimetype": "application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": (
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="900">'
            '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
            '</manifest:file-entry></manifest:manifest>'),
        "content.xml": "\x8f\x12 encrypted bytes",
    }, first="mimetype")
    with pytest.raises(ApplicationError, match="protégé par un mot de passe"):
        processing.office_check(protected)
    processing.office_check(odt_bytes(["Pas protégé"]))  # a plain document passes


def test_a_corrupt_office_document_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    corrupt = docx_bytes(["Endommagé"])[:200]
    with pytest.raises(ApplicationError, match="La conversion du document en PDF a échoué"):
        processing.office_to_pdf(corrupt, filename="endommage.docx")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_office_document_is_refused():
    with pytest.raises(ApplicationError, match="Le fichier est vide."):
        processing.office_to_pdf(b"", filename="vide.docx")


def test_the_user_file_name_never_reaches_the_command_line():
    assert office.input_name("../../etc/passwd; rm -rf ~.docx") == "document.docx"
    assert office.input_name("virus.exe") == "document"
    assert office.input_name("Lettre de résiliation.DOCX") == "document.docx"
    assert office.input_name("tableau.xlsx") == "document.xlsx"
    assert office.input_name("sans extension") == "document"
