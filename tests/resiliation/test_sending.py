"""Sending: rules of the sender modes, mandate, confirmation with its debit, scheduling, date
change, cancellation with refund, dispatch to the sandbox registered-mail provider."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.errors import ApplicationError
from portal.models import OutboxMessage
from resiliation import selectors, services
from resiliation.models import LetterStatus, SandboxRegisteredMail, TerminationLetter
from tests.resiliation.conftest import pdf_upload

PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 3, 2)


@pytest.fixture
def ready_letter(admin_user, make_letter, orias_on_file, funded):
    """An agency letter with a scanned mandate, on a funded account."""
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="scan", today=TODAY, upload=pdf_upload())
    return letter


def confirm(letter, user, *, send=TODAY, start=None, ar=False, now=MORNING):
    return services.letter_confirm(letter=letter, by=user, with_acknowledgement=ar, start=start, send=send,
                                  dates_confirmed=True, now=now)


def test_blockers_until_orias_and_mandate(admin_user, make_letter, orias_on_file):
    letter = make_letter(admin_user)
    blockers = selectors.sending_blockers(letter, today=TODAY)
    assert any("ORIAS" in b for b in blockers) and any("mandat" in b for b in blockers)
    with pytest.raises(ApplicationError, match="ORIAS"):
        services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    orias_on_file(admin_user)
    with pytest.raises(ApplicationError, match="Je comprends"):
        services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=False)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    assert selectors.sending_blockers(letter, today=TODAY) == []


def test_expired_orias_blocks_agency_sending(admin_user, make_letter, orias_on_file, funded):
    orias_on_file(admin_user, valid_until=date(2026, 3, 10))
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    with pytest.raises(ApplicationError, match="ne sera plus valable le 20/03/2026"):
        confirm(letter, admin_user, send=date(2026, 3, 20))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT and letter.debit_entry_id is None


def test_mandate_scan_checked_on_content(admin_user, make_letter, orias_on_file):
    orias_on_file(admin_user)
    letter = make_letter(admin_user)
    with pytest.raises(ApplicationError, match="n'est pas d'un type accepté"):
        services.letter_mandate_choose(letter=letter, choice="scan", today=TODAY,
                                      upload=pdf_upload("scan.pdf", b"GIF87a? no, just text"))
    letter.refresh_from_db()
    assert letter.mandate_choice == ""


def test_platform_name_rules(admin_user, make_letter):
    hamon_auto = make_letter(admin_user, contract_type="auto", reason="hamon")
    with pytest.raises(ApplicationError, match="loi Hamon"):
        services.letter_sender_mode_set(letter=hamon_auto, mode="platform")
    ria = make_letter(admin_user, contract_type="health", reason="health_ria")
    with pytest.raises(ApplicationError, match="infra-annuelle"):
        services.letter_sender_mode_set(letter=ria, mode="platform")
    home = make_letter(admin_user, contract_type="home_owner", reason="hamon")
    services.letter_sender_mode_set(letter=home, mode="platform")
    assert home.mandate_choice == "esign" and home.with_acknowledgement
    # platform name: registered with acknowledgement only, no ORIAS needed
    assert selectors.sending_blockers(home, today=TODAY) == []
    with pytest.raises(ApplicationError, match="uniquement avec accusé"):
        selectors.sending_plan(letter=home, with_acknowledgement=False, start=None, send=None, now=MORNING)


def test_same_day_until_20h_every_day(ready_letter, admin_user):
    late = datetime(2026, 3, 2, 20, 0, tzinfo=PARIS)
    with pytest.raises(ApplicationError, match="20 h"):
        confirm(ready_letter, admin_user, now=late)
    sunday = datetime(2026, 3, 1, 19, 30, tzinfo=PARIS)
    letter = confirm(ready_letter, admin_user, send=date(2026, 3, 1), now=sunday)
    assert letter.status == LetterStatus.SCHEDULED and letter.send_date == date(2026, 3, 1)


def test_hamon_dates_from_the_new_contract_start(admin_user, make_letter, orias_on_file, funded):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="auto", reason="hamon")
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    plan = selectors.sending_plan(letter=letter, with_acknowledgement=True, start=None, send=None, now=MORNING)
    assert (plan.send, plan.start) == (TODAY, date(2026, 4, 4))  # au plus tôt
    with pytest.raises(ApplicationError, match="trop proche"):
        selectors.sending_plan(letter=letter, with_acknowledgement=True, start=date(2026, 3, 20), send=None,
                             now=MORNING)
    letter = confirm(letter, admin_user, start=date(2026, 5, 15), send=None, ar=True)
    assert (letter.send_date, letter.new_contract_start) == (date(2026, 4, 13), date(2026, 5, 15))
    assert letter.status == LetterStatus.SCHEDULED


def test_warnings_are_shown_not_blocking(ready_letter):
    plan = selectors.sending_plan(letter=ready_letter, with_acknowledgement=False, start=None,
                                send=date(2026, 5, 10), now=MORNING)
    assert any("L113-12" in warning for warning in plan.warnings)


def test_debit_at_confirmation_and_dispatch(ready_letter, admin_user, balance):
    before = balance(admin_user.organisation)
    letter = confirm(ready_letter, admin_user, ar=True)
    assert balance(admin_user.organisation) == before - Decimal("3.78")
    assert letter.status == LetterStatus.SCHEDULED
    assert selectors.letters_dispatch_due(now=MORNING) == [letter.pk]
    assert services.letter_dispatch(letter_id=letter.pk, now=MORNING) is True
    assert services.letter_dispatch(letter_id=letter.pk, now=MORNING) is False  # a retried task sends nothing
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_TRANSIT and letter.provider_reference.startswith("lre_")
    assert SandboxRegisteredMail.objects.get().documents.count() == 2  # letter + mandate
    assert OutboxMessage.objects.filter(key=f"resiliation:{letter.pk}:copy", to="jean.dupont@client.test").exists()
    with pytest.raises(ApplicationError):
        confirm(letter, admin_user)  # validated letters are final: no second debit
    assert balance(admin_user.organisation) == before - Decimal("3.78")


def test_e_signature_adds_its_price(admin_user, make_letter, orias_on_file, funded, balance):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="esign", today=TODAY)
    before = balance(admin_user.organisation)
    letter = confirm(letter, admin_user, ar=False)
    assert letter.status == LetterStatus.AWAITING_SIGNATURE
    assert balance(admin_user.organisation) == before - Decimal("4.47")  # 2,97 + 1,50


def test_platform_price(admin_user, make_letter, funded, balance):
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="home_owner", reason="main_due_date")
    services.letter_sender_mode_set(letter=letter, mode="platform")
    before = balance(admin_user.organisation)
    confirm(letter, admin_user, ar=True)
    assert balance(admin_user.organisation) == before - Decimal("5.28")


def test_insufficient_credit_changes_nothing(admin_user, make_letter, orias_on_file):
    pytest.importorskip("billing.services")
    orias_on_file(admin_user)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    with pytest.raises(ApplicationError, match="Crédit insuffisant"):
        confirm(letter, admin_user)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT and letter.debit_entry_id is None


def test_cancel_scheduled_until_the_eve_with_refund(ready_letter, admin_user, balance):
    before = balance(admin_user.organisation)
    letter = confirm(ready_letter, admin_user, send=date(2026, 3, 5))
    services.letter_send_date_change(letter=letter, start=None, send=date(2026, 3, 6), now=MORNING)
    letter.refresh_from_db()
    assert letter.send_date == date(2026, 3, 6)
    with pytest.raises(ApplicationError):
        services.letter_send_date_change(letter=letter, start=None, send=date(2026, 3, 1), now=MORNING)
    eve = datetime(2026, 3, 5, 19, 0, tzinfo=PARIS)
    services.letter_cancel(letter=letter, by=admin_user, now=eve)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CANCELLED and letter.refund_entry_id
    assert balance(admin_user.organisation) == before
    with pytest.raises(ApplicationError, match="ne peut plus être annulé"):
        services.letter_cancel(letter=letter, by=admin_user, now=eve)
    assert balance(admin_user.organisation) == before  # refunded once


def test_no_cancel_or_date_change_on_the_send_day(ready_letter, admin_user):
    letter = confirm(ready_letter, admin_user, send=date(2026, 3, 4))
    send_day = datetime(2026, 3, 4, 8, 0, tzinfo=PARIS)
    with pytest.raises(ApplicationError):
        services.letter_cancel(letter=letter, by=admin_user, now=send_day)
    with pytest.raises(ApplicationError, match="veille"):
        services.letter_send_date_change(letter=letter, start=None, send=date(2026, 3, 9), now=send_day)


def test_trash_never_cancels_a_sending(ready_letter, admin_user):
    from resiliation import services

    letter = confirm(ready_letter, admin_user, send=date(2026, 3, 4))
    services.letter_trash(letter=letter, now=MORNING)
    later = datetime(2026, 3, 4, 9, 0, tzinfo=PARIS)
    assert selectors.letters_dispatch_due(now=later) == [letter.pk]
    assert services.letter_dispatch(letter_id=letter.pk, now=later)
    assert TerminationLetter.objects.get(pk=letter.pk).status == LetterStatus.IN_TRANSIT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_debit_once(admin_user, make_letter, orias_on_file, funded, balance):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    before = balance(admin_user.organisation)

    def click(_):
        from django.db import connection as thread_connection

        try:
            confirm(TerminationLetter.objects.get(pk=letter.pk), admin_user, send=date(2026, 3, 4))
            return "ok"
        except ApplicationError as error:
            return error.message
        finally:
            thread_connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(click, range(2)))
    assert results.count("ok") == 1
    assert balance(admin_user.organisation) == before - Decimal("2.97")


def test_the_same_key_debits_once(admin_user, funded, balance):
    from resiliation import charges

    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    first = charges.debit(organisation=admin_user.organisation, products=["registered_eletter_acknowledgement"],
                          key="resiliation:letter:999",
                          label="Lettre de résiliation n° 999", on=TODAY, by=admin_user)
    again = charges.debit(organisation=admin_user.organisation, products=["registered_eletter_acknowledgement"],
                          key="resiliation:letter:999",
                          label="Lettre de résiliation n° 999", on=TODAY, by=admin_user)
    assert first == again and balance(admin_user.organisation) == before - Decimal("3.78")
    refund = charges.refund(debit_entry_id=first, reason="Test")
    assert charges.refund(debit_entry_id=first, reason="Test") == refund
    assert balance(admin_user.organisation) == before


# ------------------------------------------------------------- e-signed mandate (item 12)


@pytest.fixture
def signed_future_letter(admin_user, make_letter, funded, e_signed):
    """A letter in the platform's name, due on Thursday, whose mandate the client e-signed today."""
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="home_owner")
    services.letter_sender_mode_set(letter=letter, mode="platform")
    letter = confirm(letter, admin_user, send=date(2026, 3, 5), ar=True)
    assert letter.status == LetterStatus.AWAITING_SIGNATURE
    letter = e_signed(letter, now=MORNING)
    assert letter.status == LetterStatus.SCHEDULED and letter.mandate_signed_at is not None
    return letter


def test_an_e_signed_letter_can_neither_be_cancelled_nor_moved(signed_future_letter, admin_user, balance):
    letter = signed_future_letter
    before = balance(admin_user.organisation)
    with pytest.raises(ApplicationError, match="signé électroniquement par le souscripteur"):
        services.letter_cancel(letter=letter, by=admin_user, now=MORNING)
    with pytest.raises(ApplicationError, match="ne peut plus être annulé ni modifié"):
        services.letter_send_date_change(letter=letter, start=None, send=date(2026, 3, 9), now=MORNING)
    letter.refresh_from_db()
    assert (letter.status, letter.send_date, letter.refund_entry_id) == (LetterStatus.SCHEDULED, date(2026, 3, 5), None)
    assert balance(admin_user.organisation) == before


def test_a_letter_awaiting_its_signature_can_still_be_cancelled(admin_user, make_letter, funded, balance):
    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="home_owner")
    services.letter_sender_mode_set(letter=letter, mode="platform")
    letter = confirm(letter, admin_user, send=date(2026, 3, 5), ar=True)
    services.letter_cancel(letter=letter, by=admin_user, now=MORNING)
    assert balance(admin_user.organisation) == before


# ------------------------------------------------------ ORIAS on the send date (item 13)


def test_moving_the_send_date_checks_the_orias_certificate_like_confirmation(admin_user, make_letter,
                                                                              orias_on_file, funded):
    orias_on_file(admin_user, valid_until=date(2026, 3, 15))
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    letter = confirm(letter, admin_user, send=date(2026, 3, 12))
    with pytest.raises(ApplicationError, match="ORIAS ne sera plus valable le 25/03/2026") as error:
        services.letter_send_date_change(letter=letter, start=None, send=date(2026, 3, 25), now=MORNING)
    assert error.value.field == "send_date"
    letter.refresh_from_db()
    assert letter.send_date == date(2026, 3, 12)
    services.letter_send_date_change(letter=letter, start=None, send=date(2026, 3, 13), now=MORNING)
    letter.refresh_from_db()
    assert letter.send_date == date(2026, 3, 13)


def test_dispatch_holds_a_late_letter_whose_orias_certificate_has_expired(admin_user, make_letter, orias_on_file,
                                                                          funded):
    orias_on_file(admin_user, valid_until=date(2026, 3, 15))
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    letter = confirm(letter, admin_user, send=date(2026, 3, 13))
    assert services.letter_dispatch(letter_id=letter.pk, now=datetime(2026, 3, 16, 9, 0, tzinfo=PARIS)) is False
    letter.refresh_from_db()
    assert letter.status == LetterStatus.HELD and "ORIAS n'est plus valable le 16/03/2026" in letter.held_reason
    assert not SandboxRegisteredMail.objects.exists()


# ---------------------------------------------------------------- late dispatch (item 14)


LATE = datetime(2026, 3, 5, 9, 0, tzinfo=PARIS)  # the beat job was down on the 4th


@pytest.fixture
def hamon_letter_due_on_the_4th(admin_user, make_letter, orias_on_file, funded):
    """A Loi Hamon letter whose new contract starts on the earliest date a send on the 4th allows."""
    from resiliation.rules import dates

    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="auto", reason="hamon")
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    start = dates.hamon_earliest_start(date(2026, 3, 4))
    letter = confirm(letter, admin_user, start=start, send=None, ar=True)
    assert (letter.send_date, letter.new_contract_start) == (date(2026, 3, 4), start)
    return letter


def test_a_late_hamon_letter_is_held_never_sent_backdated(hamon_letter_due_on_the_4th, admin_user, balance):
    letter = hamon_letter_due_on_the_4th
    debited = balance(admin_user.organisation)
    assert selectors.letters_dispatch_due(now=LATE) == [letter.pk]
    assert services.letter_dispatch(letter_id=letter.pk, now=LATE) is False
    letter.refresh_from_db()
    assert letter.status == LetterStatus.HELD and letter.sent_at is None
    assert "devait partir le 04/03/2026" in letter.held_reason
    assert f"{letter.new_contract_start:%d/%m/%Y} n'est plus possible" in letter.held_reason
    assert "Envoi suspendu" in letter.tracking_label
    assert not SandboxRegisteredMail.objects.exists()
    mail = OutboxMessage.objects.get(key__startswith=f"resiliation:{letter.pk}:held:")
    assert mail.to == letter.managed_by.email and letter.held_reason in mail.body_text
    assert f"/resiliations/{letter.pk}/" in mail.body_text
    # the next ticks neither send it nor e-mail again
    assert selectors.letters_dispatch_due(now=LATE) == []
    assert services.letter_dispatch(letter_id=letter.pk, now=LATE) is False
    assert OutboxMessage.objects.filter(key__startswith=f"resiliation:{letter.pk}:held:").count() == 1
    assert balance(admin_user.organisation) == debited


def test_a_held_letter_gets_a_recomputed_date_then_leaves_debited_once(hamon_letter_due_on_the_4th, admin_user,
                                                                       balance):
    from resiliation.rules import dates

    letter = hamon_letter_due_on_the_4th
    debited = balance(admin_user.organisation)
    services.letter_dispatch(letter_id=letter.pk, now=LATE)
    letter = services.letter_send_date_change(letter=TerminationLetter.objects.get(pk=letter.pk), start=None,
                                             send=None, now=LATE)  # « Au plus tôt »
    assert (letter.status, letter.send_date) == (LetterStatus.SCHEDULED, date(2026, 3, 5))
    assert letter.new_contract_start == dates.hamon_earliest_start(date(2026, 3, 5))
    assert letter.held_reason == ""
    assert services.letter_dispatch(letter_id=letter.pk, now=LATE) is True
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_TRANSIT
    assert balance(admin_user.organisation) == debited  # never debited twice


def test_a_held_letter_cancelled_is_refunded(hamon_letter_due_on_the_4th, admin_user, balance):
    letter = hamon_letter_due_on_the_4th
    services.letter_dispatch(letter_id=letter.pk, now=LATE)
    debited = balance(admin_user.organisation)
    services.letter_cancel(letter=TerminationLetter.objects.get(pk=letter.pk), by=admin_user, now=LATE)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CANCELLED and letter.refund_entry_id
    assert balance(admin_user.organisation) == debited + Decimal("3.78")


def test_a_late_letter_whose_dates_still_hold_leaves_dated_the_real_day(ready_letter, admin_user):
    from tests.resiliation.conftest import pdf_text

    letter = confirm(ready_letter, admin_user, send=date(2026, 3, 4))  # due date 01/07/2026: two months ahead
    assert services.letter_dispatch(letter_id=letter.pk, now=LATE) is True
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_TRANSIT and letter.send_date == date(2026, 3, 5)
    text = pdf_text(letter.sent_document.file.read())
    assert "le 5 mars 2026" in text and "4 mars 2026" not in text
