"""The letter's wording (seed 001 §5.5): each contract cites its own article and its own effective
date, computed for the day the letter leaves; the article follows the insurer's code."""

from datetime import date

import pytest

from resiliation import documents, services
from resiliation.models import Insurer, InsurerKind
from tests.resiliation.conftest import pdf_text

SEND = date(2026, 3, 2)  # presumed received 03/03/2026


def letter_text(letter, day=SEND) -> str:
    return pdf_text(documents.letter_pdf(letter, letter_date=day))


def test_two_contracts_each_state_their_own_article_and_effect(admin_user, make_letter):
    letter = make_letter(admin_user, contract_type="auto", reason="main_due_date", main_due_date=date(2026, 7, 1))
    services.letter_contract_add(letter=letter, contract=services.ContractData(
        contract_type="home_owner", reference="H-2", reason="change_of_address", event_date=date(2026, 2, 20)))
    text = letter_text(letter)
    assert ("Conformément à l'article L113-12 du Code des assurances, cette résiliation prendra effet à l'échéance "
            "principale du contrat, soit le 01/07/2026.") in text
    assert ("Conformément à l'article L113-16 du Code des assurances, cette résiliation prendra effet un mois après "
            "la réception de la présente notification, soit le 03/04/2026.") in text
    assert "prévue par la loi" not in text


@pytest.mark.parametrize(("reason", "extra", "article", "effect"), [
    ("vehicle_sale", {"event_date": date(2026, 2, 20)}, "L121-11", "13/03/2026"),
    ("chatel", {"main_due_date": date(2026, 4, 1), "notice_date": date(2026, 2, 20)}, "L113-15-1", "03/03/2026"),
    ("marital_status", {"event_date": date(2026, 2, 1)}, "L113-16", "03/04/2026"),
])
def test_non_hamon_letters_cite_their_article_and_date(admin_user, make_letter, reason, extra, article, effect):
    text = letter_text(make_letter(admin_user, contract_type="auto", reason=reason, **extra))
    assert f"article {article} du Code des assurances" in text and f"soit le {effect}" in text


def test_ria_letter_to_a_mutuelle_cites_the_code_de_la_mutualite(admin_user, insurer, subscriber):
    mutuelle = Insurer.objects.get(name="HARMONIE MUTUELLE")
    assert mutuelle.kind == InsurerKind.MUTUAL  # typed in the directory
    letter = services.letter_create(by=admin_user, subscriber=subscriber, insurer=mutuelle,
                                    contract=services.ContractData(contract_type="health", reference="S-1",
                                                                   reason="health_ria", new_insurer="AXA FRANCE"))
    text = letter_text(letter)
    assert "article L221-10-2 du Code de la mutualité" in text and "L113-15-2" not in text
    assert "soit le 03/04/2026" in text


def test_ria_letter_to_an_institution_de_prevoyance(admin_user, insurer, subscriber):
    institution = Insurer.objects.create(name="IP TEST PRÉVOYANCE", address_line1="1 rue A", postal_code="75001",
                                         city="PARIS", kind=InsurerKind.PROVIDENT)
    letter = services.letter_create(by=admin_user, subscriber=subscriber, insurer=institution,
                                    contract=services.ContractData(contract_type="health", reference="S-1",
                                                                   reason="health_ria", new_insurer="AXA FRANCE"))
    assert "article L932-12-2 du Code de la sécurité sociale" in letter_text(letter)


def test_hamon_letter_states_the_effect_and_the_new_contract_start(admin_user, make_letter):
    letter = make_letter(admin_user, contract_type="auto", reason="hamon")
    letter.new_contract_start = date(2026, 4, 4)
    text = letter_text(letter)
    assert ("Conformément à l'article L113-15-2 du Code des assurances, cette résiliation prendra effet un mois "
            "après la réception de la présente notification, soit le 03/04/2026, le nouveau contrat prenant effet "
            "le 04/04/2026.") in text


def test_the_letter_header_is_the_organisations_with_its_added_lines(admin_user, make_letter):
    """« Entête des lettres » (seed 001 §9.5): trade name, address, ORIAS number when on file, then
    the lines the organisation added, in their order — on every letter it sends."""
    from portal import accounts

    letter = make_letter(admin_user)
    organisation = admin_user.organisation
    accounts.letterhead_line_add(organisation=organisation, by=admin_user, text="contact@cabinet-un.fr")
    accounts.letterhead_line_add(organisation=organisation, by=admin_user, text="www.cabinet-un.fr")
    accounts.letterhead_line_move(organisation=organisation, by=admin_user, index=1, line="www.cabinet-un.fr",
                                  offset=-1)
    letter.refresh_from_db()
    text = letter_text(letter, date(2026, 3, 2))
    header = text[:text.index("Objet")] if "Objet" in text else text
    for expected in ("Cabinet Un", "1 rue des Fleurs", "38000 Grenoble", "N° ORIAS : 0700 0001"):
        assert expected in header
    assert header.index("www.cabinet-un.fr") < header.index("contact@cabinet-un.fr")
    accounts.letterhead_line_remove(organisation=organisation, by=admin_user, index=0, line="www.cabinet-un.fr")
    letter.refresh_from_db()
    assert "www.cabinet-un.fr" not in letter_text(letter, date(2026, 3, 2))
