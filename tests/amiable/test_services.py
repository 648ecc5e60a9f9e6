"""What brokers and clerks do on a case; every refusal is clear, in French, and changes nothing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amiable import services
from amiable.models import Case, Event, EventType, ExtensionRequest, Letter, LetterKind, Reason
from portal.errors import ApplicationError, PermissionDeniedError
from tests.amiable.conftest import CAL, DEFAULT, WINDOW_END
from tests.files import PDF_BYTES, xlsx_bytes

PARIS = ZoneInfo("Europe/Paris")


def answer(case, user, day, **kwargs):
    return services.case_answer(case=case, by=user, today=day, calendar=CAL, **kwargs)


def snapshot(case):
    case = Case.objects.get(id=case.id)
    return (case.answer, case.answered_on, case.formal_notice_planned, ExtensionRequest.objects.count(),
            Event.objects.filter(case=case).count())


def test_no_plans_the_formal_notice_at_the_next_business_day(make_case, admin_user):
    case = answer(make_case(), admin_user, date(2026, 2, 13), requested=False)
    assert (case.answer, case.answered_on, case.formal_notice_planned) == ("declined", date(2026, 2, 13),
                                                                          date(2026, 2, 16))
    assert Event.objects.filter(case=case, type=EventType.DECLINED, actor=admin_user).exists()


def test_yes_creates_a_pending_request_and_holds_the_notice(make_case, collaborator, delegate):
    case = make_case()
    delegate(collaborator, [case.policy.member])
    document = SimpleUploadedFile("echeancier.xlsx", xlsx_bytes())
    case = answer(case, collaborator, date(2026, 2, 13), requested=True, reason=Reason.FINANCIAL_DIFFICULTIES,
                  comment="Étalement sur 3 mois", document=document)
    extension = ExtensionRequest.objects.get(case=case)
    assert case.formal_notice_planned is None
    assert (extension.status, extension.reason, extension.requested_by) == ("pending", "financial_difficulties",
                                                                           collaborator)
    assert extension.document.content_type.endswith("spreadsheetml.sheet")
    assert len(extension.document.sha256) == 64


@pytest.mark.parametrize(
    ("day", "kwargs", "field", "message"),
    [
        (date(2026, 2, 20), {"requested": False}, "requested", "Le délai de réponse est dépassé"),
        (date(2026, 2, 13), {"requested": True, "reason": ""}, "reason", "Sélectionnez une justification"),
        (date(2026, 2, 13), {"requested": True, "reason": "other", "comment": "  "}, "comment",
         "commentaire est obligatoire"),
        (date(2026, 2, 13), {"requested": True, "reason": "unknown"}, "reason", "Sélectionnez une justification"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(make_case, admin_user, day, kwargs, field, message):
    case = make_case()
    before = snapshot(case)
    with pytest.raises(ApplicationError) as error:
        answer(case, admin_user, day, **kwargs)
    assert error.value.field == field and message in error.value.message
    assert snapshot(case) == before


def test_answer_on_the_last_day_of_the_window_is_accepted(make_case, admin_user):
    case = answer(make_case(), admin_user, WINDOW_END, requested=False)
    assert case.formal_notice_planned == date(2026, 2, 20)


def test_a_second_answer_is_refused(make_case, admin_user):
    case = make_case()
    answer(case, admin_user, date(2026, 2, 13), requested=False)
    case.refresh_from_db()
    before = snapshot(case)
    with pytest.raises(ApplicationError, match="déjà été donnée le 13/02/2026"):
        answer(case, admin_user, date(2026, 2, 16), requested=True, reason="regularisation")
    assert snapshot(case) == before


def test_an_answer_on_a_closed_case_is_refused(make_case, admin_user, pay, tick):
    case = make_case()
    pay(case, "1000.00", date(2026, 2, 13))
    tick(date(2026, 2, 13))
    case.refresh_from_db()
    with pytest.raises(ApplicationError, match="clos"):
        answer(case, admin_user, date(2026, 2, 13), requested=False)


def test_no_extension_when_the_broker_does_not_manage_the_policy(make_case, admin_user):
    case = make_case(broker_manages=False)
    with pytest.raises(ApplicationError, match="pas courtier gestionnaire"):
        answer(case, admin_user, date(2026, 2, 13), requested=True, reason="regularisation")
    assert not ExtensionRequest.objects.exists()


def test_another_organisation_cannot_answer(make_case, other_admin):
    case = make_case()
    with pytest.raises(PermissionDeniedError):
        answer(case, other_admin, date(2026, 2, 13), requested=False)
    assert Case.objects.get(id=case.id).answer == ""


def test_a_collaborator_without_the_area_cannot_answer(make_case, collaborator, delegate):
    case = make_case()
    delegate(collaborator, [case.policy.member], areas=["resiliation"])
    with pytest.raises(PermissionDeniedError):
        answer(case, collaborator, date(2026, 2, 13), requested=False)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faux.pdf", b"MZ\x90\x00 this is an executable" * 10, "contenu ne correspond pas"),
        ("image.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "contenu ne correspond pas"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_documents_are_checked_on_their_content(make_case, admin_user, name, content, message):
    case = make_case()
    before = snapshot(case)
    with pytest.raises(ApplicationError, match=message) as error:
        answer(case, admin_user, date(2026, 2, 13), requested=True, reason="regularisation",
               document=SimpleUploadedFile(name, content))
    assert error.value.field == "document"
    assert snapshot(case) == before


def test_documents_over_10_mb_are_refused(make_case, admin_user):
    case = make_case()
    big = SimpleUploadedFile("gros.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ApplicationError, match="taille maximale de 10 Mo"):
        answer(case, admin_user, date(2026, 2, 13), requested=True, reason="regularisation", document=big)
    assert not ExtensionRequest.objects.exists()


def test_a_pdf_document_is_accepted(make_case, admin_user):
    case = answer(make_case(), admin_user, date(2026, 2, 13), requested=True, reason="awaiting_funds",
                  document=SimpleUploadedFile("preuve.pdf", PDF_BYTES))
    assert case.extension.document.content_type == "application/pdf"


def decide(extension, clerk, approved, day=date(2026, 2, 24), note=""):
    return services.extension_decide(extension=extension, by=clerk, approved=approved, note=note, today=day,
                                     now=datetime(2026, 2, 24, 15, tzinfo=PARIS), calendar=CAL)


@pytest.fixture
def pending(make_case, admin_user):
    case = answer(make_case(), admin_user, date(2026, 2, 13), requested=True, reason="commercial_dispute")
    return case.extension


def test_approval_moves_the_notice_by_25_business_days_and_is_audited(pending, accounting_user):
    extension = decide(pending, accounting_user, True, note="Accord")
    assert (extension.status, extension.decided_by, extension.decided_on, extension.note) == (
        "approved", accounting_user, date(2026, 2, 24), "Accord")
    assert extension.decided_at is not None
    assert Case.objects.get(id=extension.case_id).formal_notice_planned == CAL.add_business_days(WINDOW_END, 26)
    assert Event.objects.filter(case=extension.case, type=EventType.EXTENSION_APPROVED,
                                actor=accounting_user).exists()


def test_refusal_plans_the_notice_the_next_business_day(pending, accounting_user):
    decide(pending, accounting_user, False)
    assert Case.objects.get(id=pending.case_id).formal_notice_planned == date(2026, 2, 25)


def test_a_decision_on_a_decided_request_is_refused(pending, accounting_user):
    decide(pending, accounting_user, True)
    pending.refresh_from_db()
    with pytest.raises(ApplicationError, match="déjà été accordée le 24/02/2026"):
        decide(pending, accounting_user, False)
    assert ExtensionRequest.objects.get(id=pending.id).status == "approved"


def test_only_accounting_decides(pending, admin_user):
    with pytest.raises(PermissionDeniedError):
        decide(pending, admin_user, True)
    assert ExtensionRequest.objects.get(id=pending.id).status == "pending"


def test_the_broker_is_told_of_the_decision(pending, accounting_user):
    from portal.models import DigestItem

    decide(pending, accounting_user, True)
    assert DigestItem.objects.filter(kind="amiable_decision", organisation=pending.case.policy.broker_id).exists()


def test_acknowledging_a_reminder_records_who_and_when(make_case, admin_user):
    case = make_case()
    letter = Letter.objects.get(case=case, kind=LetterKind.REMINDER)
    now = datetime(2026, 2, 13, 9, 30, tzinfo=PARIS)
    services.letter_acknowledge(letter=letter, by=admin_user, now=now)
    letter.refresh_from_db()
    assert (letter.acknowledged_by, letter.acknowledged_at) == (admin_user, now)
    with pytest.raises(ApplicationError, match="déjà pris connaissance de ce courrier le 13/02/2026"):
        services.letter_acknowledge(letter=letter, by=admin_user, now=now)


def test_a_formal_notice_needs_no_acknowledgement(make_case, admin_user, tick):
    case = make_case()
    tick(date(2026, 2, 20))
    letter = Letter.objects.get(case=case, kind=LetterKind.FORMAL_NOTICE)
    with pytest.raises(ApplicationError):
        services.letter_acknowledge(letter=letter, by=admin_user, now=datetime(2026, 2, 20, tzinfo=PARIS))


def test_manual_follow_up_needs_a_reason_and_accounting(make_case, accounting_user, admin_user):
    case = make_case()
    with pytest.raises(ApplicationError, match="motif"):
        services.case_manual_follow_up(case=case, by=accounting_user, enabled=True, note="", today=DEFAULT)
    with pytest.raises(PermissionDeniedError):
        services.case_manual_follow_up(case=case, by=admin_user, enabled=True, note="x", today=DEFAULT)
    assert not Case.objects.get(id=case.id).manual_follow_up
