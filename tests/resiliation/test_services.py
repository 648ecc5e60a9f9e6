"""Building a letter: the wizard's services, edits, compatibility, uploads, trash."""

from datetime import date

import pytest

from portal.errors import ApplicationError
from resiliation import services
from resiliation.models import InsurerRequest, LetterContract, TerminationLetter
from tests.resiliation.conftest import PDF_BYTES, PNG_BYTES, pdf_upload


def test_letter_create_with_company_and_co_subscriber(admin_user, insurer, subscriber):
    subscriber.company_name, subscriber.siret = "SARL DUPONT", "123 456 789 00012"
    subscriber.co_civility, subscriber.co_last_name, subscriber.co_first_name = "MME", "Dupont", "Jeanne"
    letter = services.letter_create(by=admin_user, subscriber=subscriber, insurer=insurer, contract=services.ContractData(
        contract_type="auto", reference="AB-1", reason="hamon", new_insurer="AXA FRANCE IARD", registration="aa-111-bb"))
    assert letter.siret == "12345678900012" and letter.managed_by == admin_user and letter.city == "GRENOBLE"
    assert letter.co_subscriber_display == "Madame Dupont Jeanne"
    contract = letter.contracts.get()
    assert contract.registration == "AA-111-BB" and contract.new_insurer == "AXA FRANCE IARD"


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"last_name": " "}, "last_name", "obligatoire"),
    ({"postal_code": "3800"}, "postal_code", "5 chiffres"),
    ({"siret": "123", "company_name": "X"}, "siret", "14 chiffres"),
    ({"siret": "12345678900012"}, "company_name", "société"),
    ({"email": "pas-un-email"}, "email", "e-mail"),
    ({"co_last_name": "Seul"}, "co_last_name", "co-souscripteur"),
])
def test_bad_subscriber_is_refused_and_nothing_created(admin_user, insurer, subscriber, change, field, message):
    for key, value in change.items():
        setattr(subscriber, key, value)
    with pytest.raises(ApplicationError) as error:
        services.letter_create(by=admin_user, subscriber=subscriber, insurer=insurer,
                               contract=services.ContractData(contract_type="auto", reference="1", reason="withdrawal"))
    assert error.value.field == field and message in error.value.message
    assert not TerminationLetter.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"contract_type": "auto", "reference": "1", "reason": "hamon"}, "new_insurer"),
    ({"contract_type": "building", "reference": "1", "reason": "hamon", "new_insurer": "X"}, "reason"),
    ({"contract_type": "auto", "reference": "", "reason": "withdrawal"}, "reference"),
    ({"contract_type": "auto", "reference": "1", "reason": "main_due_date"}, "main_due_date"),
    ({"contract_type": "other", "reference": "1", "reason": "withdrawal"}, "custom_type"),
    ({"contract_type": "auto", "reference": "1", "reason": "custom"}, "custom_reason"),
    ({"contract_type": "auto", "reference": "1", "reason": "vehicle_sale"}, "event_date"),
    ({"contract_type": "nope", "reference": "1", "reason": "withdrawal"}, "contract_type"),
])
def test_bad_contract_is_refused(admin_user, insurer, subscriber, data, field):
    with pytest.raises(ApplicationError) as error:
        services.letter_create(by=admin_user, subscriber=subscriber, insurer=insurer,
                               contract=services.ContractData(**data))
    assert error.value.field == field
    assert not TerminationLetter.objects.exists()


def test_fields_that_do_not_apply_are_dropped(admin_user, make_letter):
    letter = make_letter(admin_user, contract_type="health", reason="main_due_date", registration="AA-1",
                         insured_address="ici", new_insurer="X")
    contract = letter.contracts.get()
    assert (contract.registration, contract.insured_address, contract.new_insurer) == ("", "", "")


def test_add_only_compatible_contracts(admin_user, make_letter):
    letter = make_letter(admin_user, contract_type="home_owner", reason="hamon")
    services.letter_contract_add(letter=letter, contract=services.ContractData(
        contract_type="auto", reference="2", reason="hamon", new_insurer="AXA"))
    with pytest.raises(ApplicationError, match="loi Hamon / RIA"):
        services.letter_contract_add(letter=letter, contract=services.ContractData(
            contract_type="auto", reference="3", reason="main_due_date", main_due_date=date(2026, 9, 1)))
    assert letter.contracts.count() == 2


def test_remove_then_add_again(admin_user, make_letter):
    letter = make_letter(admin_user)
    services.letter_contract_remove(contract=letter.contracts.get())
    assert not letter.contracts.exists()
    services.letter_contract_add(letter=letter, contract=services.ContractData(
        contract_type="auto", reference="9", reason="hamon", new_insurer="AXA"))
    assert list(letter.contracts.values_list("reason", flat=True)) == ["hamon"]


def test_free_text_old_manager_and_limits(admin_user, make_letter):
    letter = make_letter(admin_user)
    services.letter_free_text_set(letter=letter, text="  Merci de transmettre le relevé d'information.  ")
    assert letter.free_text == "Merci de transmettre le relevé d'information."
    with pytest.raises(ApplicationError):
        services.letter_free_text_set(letter=letter, text="x" * 3001)
    services.letter_old_manager_set(letter=letter, email="Gerant@MAAF.test")
    with pytest.raises(ApplicationError):
        services.letter_old_manager_set(letter=letter, email="pas un mail")
    letter.refresh_from_db()
    assert letter.old_manager_email == "gerant@maaf.test"


def test_attachments_checked_on_content(admin_user, make_letter, settings):
    letter = make_letter(admin_user)
    services.letter_attachment_add(letter=letter, upload=pdf_upload("releve.pdf"))
    services.letter_attachment_add(letter=letter, upload=pdf_upload("photo.png", PNG_BYTES))
    with pytest.raises(ApplicationError, match="n'est pas d'un type accepté"):
        services.letter_attachment_add(letter=letter, upload=pdf_upload("faux.pdf", b"MZ\x90\x00 not a pdf at all"))
    settings.PORTAL_UPLOAD_MAX_BYTES = len(PDF_BYTES) - 1
    with pytest.raises(ApplicationError, match="taille maximale"):
        services.letter_attachment_add(letter=letter, upload=pdf_upload("gros.pdf"))
    assert letter.attachments.count() == 2


def test_trash_and_restore(admin_user, make_letter):
    from portal.clock import local_now

    letter = make_letter(admin_user)
    services.letter_trash(letter=letter, now=local_now())
    with pytest.raises(ApplicationError):
        services.letter_trash(letter=letter, now=local_now())
    services.letter_restore(letter=letter)
    assert letter.trashed_at is None


def test_insurer_request(admin_user):
    services.insurer_request_create(by=admin_user, name="Mutuelle des Alpes", comment="Siège à Annecy")
    assert InsurerRequest.objects.get().organisation == admin_user.organisation
    with pytest.raises(ApplicationError, match="déjà dans la liste"):
        services.insurer_request_create(by=admin_user, name="maif")


def test_orias_certificate_rules(admin_user, collaborator, orias_on_file):
    from portal.clock import business_today

    with pytest.raises(ApplicationError, match="plus valable"):
        orias_on_file(admin_user, valid_until=date(2026, 1, 1))
    with pytest.raises(ApplicationError, match="administrateur"):
        orias_on_file(collaborator)
    with pytest.raises(ApplicationError, match="n'est pas d'un type accepté"):
        services.orias_certificate_add(organisation=admin_user.organisation, by=admin_user,
                                       upload=pdf_upload("x.pdf", b"hello world, plain text"),
                                       valid_until=date(2026, 12, 31), today=business_today())
    assert orias_on_file(admin_user).valid_until == date(2026, 12, 31)


def test_manager_must_have_the_area(admin_user, collaborator, make_letter, resiliation_collaborator):
    letter = make_letter(admin_user)
    services.letter_manager_set(letter=letter, manager=resiliation_collaborator, by=admin_user)
    assert letter.managed_by == resiliation_collaborator
    with pytest.raises(ApplicationError):
        services.letter_manager_set(letter=letter, manager=admin_user, by=resiliation_collaborator)


def test_no_area_no_letter(collaborator, insurer, subscriber):
    with pytest.raises(ApplicationError):
        services.letter_create(by=collaborator, subscriber=subscriber, insurer=insurer,
                               contract=services.ContractData(contract_type="auto", reference="1", reason="withdrawal"))
    assert not LetterContract.objects.exists()
