"""Letters are rendered once with WeasyPrint, outside transactions, and say what the law asks."""

import io
from datetime import date
from decimal import Decimal

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


def test_recovery_indemnity_appears_only_when_the_setting_was_on_at_issue(make_case, tick, settings):
    def termination_html(**names):
        case = make_case(**names)
        for day in (date(2026, 2, 20), date(2026, 3, 23), date(2026, 4, 1)):
            tick(day)
        return letters.letter_html(Letter.objects.get(case=case, kind=LetterKind.TERMINATION)).replace("\xa0", " ")

    assert "indemnité forfaitaire" not in termination_html()
    issued_off = Letter.objects.get(kind=LetterKind.TERMINATION)
    settings.AMIABLE_RECOVERY_INDEMNITY_ENABLED = True
    assert "indemnité forfaitaire pour frais de recouvrement de 40,00" in termination_html(
        reference="EM-2", policy_number="P-2", member_number="M-2")
    # the setting turned on later does not change a letter already issued
    assert "indemnité forfaitaire" not in letters.letter_html(issued_off)


def _rename_and_move(*, member, broker, settings):
    """What may change between issue and rendering: the member's name and address, the
    premium call (an upsert of the insurer's system), the broker's identity, the settings."""
    from portal.services import EmissionRow, emissions_import

    emissions_import(rows=[EmissionRow(reference="EM-1", policy_number="P-1", member_number="M-1",
                                       company_name="NOUVELLE RAISON", broker_orias=broker.orias,
                                       broker_manages=True, due_date=date(2026, 2, 3), amount=Decimal("999.99"))])
    type(member).objects.filter(id=member.id).update(address_line1="9 avenue Nouvelle", postal_code="75001",
                                                     city="Paris")
    type(broker).objects.filter(id=broker.id).update(name="Cabinet Renommé", address_line1="3 place Neuve")
    settings.PORTAL_INSURER_NAME = "Autre Assureur"
    settings.AMIABLE_RECOVERY_INDEMNITY_ENABLED = True


def test_a_letter_says_what_was_issued_whatever_changed_before_it_was_rendered(emission, org, contacts, tick,
                                                                                settings):
    call = emission(amount="1234.56", broker=org)
    member = call.policy.member
    type(member).objects.filter(id=member.id).update(address_line1="12 rue de l'Émission", postal_code="69003",
                                                     city="Lyon")
    for day in (date(2026, 2, 12), date(2026, 2, 20), date(2026, 3, 23), date(2026, 4, 1)):
        tick(day)  # reminder, formal notice, suspension, termination: issued, none rendered yet
    _rename_and_move(member=member, broker=org, settings=settings)

    for letter in Letter.objects.filter(case__premium_call=call):
        assert letters.letter_render(letter_id=letter.id)
        text = text_of(letter).replace("\u202f", " ").replace("\xa0", " ")
        assert "ENTREPRISE" in text and "12 rue de l'Émission" in text and "69003 Lyon" in text, letter
        assert "Cabinet Un SARL" in text and "L'Auxiliaire" in text, text
        assert "1 234,56 €" in text and "2 février 2026" in text
        for changed in ("NOUVELLE RAISON", "9 avenue Nouvelle", "Paris", "999,99", "3 février 2026",
                        "Cabinet Renommé", "Autre Assureur", "indemnité forfaitaire"):
            assert changed not in text, (letter, changed)


def test_rendering_reads_the_letter_row_only(make_case, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    letter = Letter.objects.get(case=make_case(), kind=LetterKind.REMINDER)
    with CaptureQueriesContext(connection) as queries:
        assert letters.letter_render(letter_id=letter.id)
    read = " ".join(query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT"))
    assert "amiable_letter" in read
    for table in ("portal_member", "portal_policy", "portal_premiumcall", "portal_organisation", "amiable_case"):
        assert table not in read


def test_letters_issued_before_their_content_was_kept_get_it_from_the_current_rows(make_case, settings):
    """The data migration's fill: a letter without its content gets it from the live rows."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    letter = Letter.objects.get(case=make_case(amount="1234.56"), kind=LetterKind.REMINDER)
    content = [field.name for field in Letter._meta.concrete_fields if not field.editable]
    assert len(content) > 15
    def content_of(letter_id):
        found = Letter.objects.get(id=letter_id)
        return {name: getattr(found, name) for name in content}

    issued = content_of(letter.id)
    assert issued["member_name"] == "ENTREPRISE" and issued["broker_name"] == "Cabinet Un SARL"
    emptied = ("insurer_name", "member_name", "member_address", "broker_name")
    Letter.objects.filter(id=letter.id).update(**dict.fromkeys(emptied, ""))
    migration = importlib.import_module("amiable.migrations.0004_letter_content")
    migration.fill(None, SimpleNamespace(connection=connection))  # it uses the editor's connection only
    assert content_of(letter.id) == issued


def test_a_letter_without_broker_has_no_copy_and_keeps_every_address_line(emission, tick):
    call = emission(amount="500.00")  # no broker
    member = call.policy.member
    type(member).objects.filter(id=member.id).update(address_line1="Bâtiment B", address_line2="4 impasse Verte",
                                                     postal_code="38000", city="Grenoble")
    tick(date(2026, 2, 12))
    letter = Letter.objects.get(case__premium_call=call)
    assert (letter.broker_orias, letter.broker_name, letter.broker_address) == ("", "", "")
    assert letter.member_address == "Bâtiment B\n4 impasse Verte\n38000 Grenoble"
    assert letters.letter_render(letter_id=letter.id)
    text = text_of(letter)
    assert "ENTREPRISE Bâtiment B 4 impasse Verte 38000 Grenoble" in text
    assert "Copie à votre intermédiaire" not in text and "votre intermédiaire" not in text
