"""Letters are rendered once with WeasyPrint, outside transactions, and say what the law asks."""

import io
from datetime import date

import pytest
from django.db import transaction
from pypdf import PdfReader

from amiable import letters
from amiable.models import Letter, LetterKind
from portal.pdf import RenderingInTransactionError, document_bytes, sha256_hex


def text_of(letter: Letter) -> str:
    letter.refresh_from_db()
    reader = PdfReader(io.BytesIO(document_bytes(letter.document)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def notice(make_case, tick):
    case = make_case(amount="1234.56")
    tick(date(2026, 2, 20))
    letter = Letter.objects.get(case=case, kind=LetterKind.FORMAL_NOTICE)
    assert letters.letter_render(letter_id=letter.id)
    return letter


def test_formal_notice_says_what_article_r113_1_requires(notice):
    text = text_of(notice)
    assert "MISE EN DEMEURE" in text and "à titre de mise en demeure" in text
    assert "1 234,56 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "2 février 2026" in text  # the due date
    assert "Article L113-3 du Code des assurances" in text
    assert "la garantie ne peut être suspendue que trente jours après la mise en demeure" in text
    assert "23 mars 2026" in text and "1er avril 2026" in text  # suspension, termination
    assert "ENTREPRISE" in text and "P-1" in text


def test_reminder_names_the_member_and_the_amount(make_case):
    letter = Letter.objects.get(case=make_case(), kind=LetterKind.REMINDER)
    letters.letter_render(letter_id=letter.id)
    text = text_of(letter)
    assert "rappel de cotisation" in text and "1 000,00" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Copie à votre intermédiaire : Cabinet Un SARL (ORIAS 07000001)" in text


def test_a_letter_is_stored_with_its_sha256_and_never_rendered_again(notice):
    notice.refresh_from_db()
    document = notice.document
    assert document.sha256 == sha256_hex(document_bytes(document))
    assert letters.letter_render(letter_id=notice.id) is False
    notice.refresh_from_db()
    assert notice.document_id == document.id


def test_letter_figures_are_frozen_at_issue(notice, pay):
    pay(notice.case, "100.00", date(2026, 2, 23))
    letter = Letter.objects.get(id=notice.id)
    assert str(letter.amount_due) == "1234.56"


def test_rendering_is_refused_inside_a_transaction(make_case):
    letter = Letter.objects.get(case=make_case(), kind=LetterKind.REMINDER)
    with pytest.raises(RenderingInTransactionError), transaction.atomic():
        letters.letter_render(letter_id=letter.id)
    assert Letter.objects.get(id=letter.id).document_id is None


@pytest.mark.parametrize("kind", [LetterKind.SUSPENSION, LetterKind.TERMINATION, LetterKind.REINSTATEMENT])
def test_every_letter_kind_renders(make_case, tick, pay, kind):
    case = make_case()
    for day in (date(2026, 2, 20), date(2026, 3, 23), date(2026, 4, 1))[: 2 if kind != LetterKind.TERMINATION else 3]:
        tick(day)
    if kind == LetterKind.REINSTATEMENT:
        pay(case, "1000.00", date(2026, 3, 24))
        tick(date(2026, 3, 24))
    letter = Letter.objects.get(case=case, kind=kind)
    letters.letter_render(letter_id=letter.id)
    text = text_of(letter)
    expected = {
        LetterKind.SUSPENSION: "garanties de votre contrat sont suspendues depuis le 23 mars 2026",
        LetterKind.TERMINATION: "votre contrat est résilié à compter du 1er avril 2026",
        LetterKind.REINSTATEMENT: "reprend ses effets le 25 mars 2026 à midi",
    }[kind]
    assert expected in text


def test_recovery_indemnity_appears_only_when_the_setting_is_on(make_case, tick, settings):
    case = make_case()
    for day in (date(2026, 2, 20), date(2026, 3, 23), date(2026, 4, 1)):
        tick(day)
    letter = Letter.objects.get(case=case, kind=LetterKind.TERMINATION)
    assert "indemnité forfaitaire" not in letters.letter_html(letter)
    settings.AMIABLE_RECOVERY_INDEMNITY_ENABLED = True
    assert "indemnité forfaitaire pour frais de recouvrement de 40,00" in letters.letter_html(letter).replace(
        "\xa0", " ")
