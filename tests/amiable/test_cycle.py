"""The daily run (SPEC §4 timeline): dates to the day, catch-up, idempotence, set-based."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from amiable import cycle
from amiable.models import Case, Event, EventType, Letter, LetterKind, Stage
from portal import notifications
from portal.models import DigestItem, OutboxMessage, PolicyStatus
from tests.amiable.conftest import CAL, DEFAULT, DUE, WINDOW_END

NOTICE = date(2026, 2, 20)  # the business day after the window
SUSPENSION = date(2026, 3, 23)  # 20 Feb + 30 days = Sunday 22 March → Monday 23
TERMINATION = date(2026, 4, 1)  # 20 Feb + 40 days


def events(case):
    return list(Event.objects.filter(case=case).order_by("date", "id").values_list("type", "date"))


def test_nothing_happens_before_the_default_date(emission, org, tick):
    emission(broker=org)
    tick(date(2026, 2, 11))
    assert not Case.objects.exists()


def test_case_opens_on_default_with_a_reminder_dated_that_day(make_case):
    case = make_case()
    assert (case.stage, case.reminder_date, case.response_deadline) == (Stage.OPEN, DEFAULT, WINDOW_END)
    assert case.formal_notice_planned == NOTICE
    letter = Letter.objects.get(case=case)
    assert (letter.kind, letter.letter_date, letter.amount_due) == (LetterKind.REMINDER, DEFAULT, Decimal("1000.00"))
    assert events(case) == [(EventType.AWAITING, DUE), (EventType.REMINDER, DEFAULT)]


def test_a_late_run_catches_up_and_dates_the_reminder_on_the_run_day(make_case):
    case = make_case(open_on=date(2026, 2, 16))  # the job did not run from 12 to 13 February
    assert case.reminder_date == date(2026, 2, 16)
    assert case.response_deadline == date(2026, 2, 23)


def test_a_run_on_a_non_business_day_opens_nothing(emission, org, tick):
    emission(broker=org)
    report = tick(date(2026, 2, 14))  # Saturday
    assert not report.business_day and not Case.objects.exists()
    tick(date(2026, 2, 16))
    assert Case.objects.get().reminder_date == date(2026, 2, 16)


def test_a_paid_premium_never_opens_a_case(emission, org, tick, pay):
    call = emission(broker=org)
    from portal import services

    services.payments_import(rows=[services.PaymentRow(call.reference, call.amount, date(2026, 2, 5), "VIR-1")],
                             today=date(2026, 2, 5))
    tick(DEFAULT)
    assert not Case.objects.exists()


def test_running_the_same_day_twice_issues_nothing_twice(make_case, tick):
    case = make_case()
    before = (Letter.objects.count(), Event.objects.count(), DigestItem.objects.count())
    report = tick(DEFAULT)
    assert report.counts["dossiers ouverts"] == 0
    assert (Letter.objects.count(), Event.objects.count(), DigestItem.objects.count()) == before
    assert Case.objects.filter(premium_call=case.premium_call).count() == 1


def test_managing_broker_accounting_contacts_get_one_digest_a_day(make_case, org):
    make_case()
    make_case(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="AUTRE")
    assert set(DigestItem.objects.values_list("fan_out", "kind")) == {("broker", "amiable_reminder_action")}
    assert notifications.digests_send(business_date=DEFAULT) == 1  # not to the non-accounting contact
    message = OutboxMessage.objects.get()
    assert message.to == "compta@un.test"
    assert message.body_text.startswith("Cher partenaire,")
    assert "2 de vos contrats en gestion sont en attente de paiement" in message.body_text
    assert "une action de votre part est en attente de validation" in message.body_text
    assert "P-1" in message.body_text and "P-2" in message.body_text
    assert notifications.digests_send(business_date=DEFAULT) == 0  # never twice the same day


def test_member_accounting_contacts_are_told_when_the_broker_does_not_manage(make_case):
    case = make_case(broker_manages=False)
    news = DigestItem.objects.get()
    assert (news.fan_out, news.kind, news.policies) == ("member", "amiable_reminder", [case.policy_id])
    notifications.digests_send(business_date=DEFAULT)
    message = OutboxMessage.objects.get()
    assert message.to == "compta@m-1.test" and message.body_text.startswith("Madame, Monsieur,")


def test_contacts_are_looked_up_when_the_digest_goes_out(make_case, org):
    from portal import services

    make_case()
    services.contact_add(organisation=org, email="tresorerie@un.test", is_accounting=True)
    notifications.digests_send(business_date=DEFAULT)
    assert set(OutboxMessage.objects.values_list("to", flat=True)) == {"compta@un.test", "tresorerie@un.test"}


def test_formal_notice_the_day_after_the_window_without_answer(make_case, tick):
    case = make_case()
    tick(WINDOW_END)
    assert Case.objects.get(id=case.id).stage == Stage.OPEN
    report = tick(NOTICE)
    case.refresh_from_db()
    assert report.counts["mises en demeure"] == 1
    assert (case.stage, case.formal_notice_date, case.suspension_date, case.termination_date) == (
        Stage.FORMAL_NOTICE, NOTICE, SUSPENSION, TERMINATION)
    letter = Letter.objects.get(case=case, kind=LetterKind.FORMAL_NOTICE)
    assert (letter.letter_date, letter.amount_due, letter.effective_date) == (NOTICE, Decimal("1000.00"), SUSPENSION)
    news = DigestItem.objects.get(kind="amiable_formal_notice")
    assert (news.fan_out, news.policies) == ("broker", [case.policy_id])


def test_suspension_then_termination_on_their_dates(make_case, tick):
    case = make_case()
    tick(NOTICE)
    tick(date(2026, 3, 20))
    assert Case.objects.get(id=case.id).stage == Stage.FORMAL_NOTICE
    tick(SUSPENSION)
    case.refresh_from_db()
    assert case.stage == Stage.SUSPENDED and case.policy.status == PolicyStatus.SUSPENDED
    assert Letter.objects.get(case=case, kind=LetterKind.SUSPENSION).effective_date == SUSPENSION
    tick(date(2026, 3, 31))
    assert Case.objects.get(id=case.id).stage == Stage.SUSPENDED
    tick(TERMINATION)
    case.refresh_from_db()
    assert case.stage == Stage.TERMINATED and case.policy.status == PolicyStatus.TERMINATED
    assert events(case)[-2:] == [(EventType.SUSPENSION, SUSPENSION), (EventType.TERMINATION, TERMINATION)]


def test_a_long_outage_catches_up_every_step_in_order(make_case, tick):
    case = make_case()
    tick(NOTICE)
    tick(date(2026, 4, 15))  # no run for weeks: suspension and termination in one run
    case.refresh_from_db()
    assert case.stage == Stage.TERMINATED
    # The dates come from the rules, not from the day the job ran.
    assert dict(events(case))[EventType.SUSPENSION] == SUSPENSION
    assert dict(events(case))[EventType.TERMINATION] == TERMINATION
    assert set(Letter.objects.filter(case=case).values_list("kind", flat=True)) == {
        "reminder", "formal_notice", "suspension", "termination"}


def test_manual_follow_up_stops_the_automatic_steps(make_case, tick, accounting_user):
    from amiable import services

    case = make_case()
    services.case_manual_follow_up(case=case, by=accounting_user, enabled=True, note="Échéancier signé",
                                   today=DEFAULT)
    tick(NOTICE)
    assert Case.objects.get(id=case.id).stage == Stage.OPEN
    services.case_manual_follow_up(case=case, by=accounting_user, enabled=False, note="", today=NOTICE)
    tick(date(2026, 2, 23))
    assert Case.objects.get(id=case.id).formal_notice_date == date(2026, 2, 23)


def test_a_partial_payment_keeps_the_case_open_and_lowers_the_amount(make_case, tick, pay):
    case = make_case()
    pay(case, "400.00", date(2026, 2, 16))
    tick(date(2026, 2, 16))
    case.refresh_from_db()
    assert case.stage == Stage.OPEN and case.premium_call.outstanding == Decimal("600.00")
    assert Event.objects.get(case=case, type=EventType.PAYMENT).amount == Decimal("400.00")
    tick(NOTICE)
    assert Letter.objects.get(case=case, kind=LetterKind.FORMAL_NOTICE).amount_due == Decimal("600.00")


def test_payment_in_full_before_the_notice_closes_the_case(make_case, tick, pay):
    case = make_case()
    pay(case, "1000.00", date(2026, 2, 19))
    tick(NOTICE)
    case.refresh_from_db()
    assert (case.stage, case.closed_on) == (Stage.CLOSED, date(2026, 2, 19))
    assert not Letter.objects.filter(case=case, kind=LetterKind.FORMAL_NOTICE).exists()
    assert (EventType.PAID, date(2026, 2, 19)) in events(case)


def test_payment_after_the_notice_reinstates_the_policy_at_noon_next_day(make_case, tick, pay):
    case = make_case()
    tick(NOTICE)
    tick(SUSPENSION)
    pay(case, "1000.00", date(2026, 3, 25))
    cycle.payments_settle(today=date(2026, 3, 25))
    case.refresh_from_db()
    assert case.stage == Stage.REINSTATED and case.policy.status == PolicyStatus.ACTIVE
    letter = Letter.objects.get(case=case, kind=LetterKind.REINSTATEMENT)
    assert (letter.letter_date, letter.effective_date) == (date(2026, 3, 25), date(2026, 3, 25))
    assert letter.acknowledged_at is None  # shown to the broker with "J'ai bien pris connaissance"
    tick(TERMINATION)
    assert Case.objects.get(id=case.id).stage == Stage.REINSTATED


def test_payment_after_termination_settles_the_debt_without_reinstatement(make_case, tick, pay):
    case = make_case()
    for day in (NOTICE, SUSPENSION, TERMINATION):
        tick(day)
    pay(case, "1000.00", date(2026, 4, 3))
    tick(date(2026, 4, 3))
    case.refresh_from_db()
    assert case.stage == Stage.SETTLED and case.policy.status == PolicyStatus.TERMINATED
    assert not Letter.objects.filter(case=case, kind=LetterKind.REINSTATEMENT).exists()


def _cases(emission, org, count, start=0):
    for index in range(start, start + count):
        emission(reference=f"EM-{index}", policy_number=f"P-{index}", member_number=f"M-{index}", broker=org)


@pytest.mark.parametrize("step_day", [DEFAULT, NOTICE, SUSPENSION, TERMINATION])
def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(emission, org, contacts, step_day):
    def queries_for(count, start):
        _cases(emission, org, count, start)
        days = [d for d in (DEFAULT, NOTICE, SUSPENSION, TERMINATION) if d <= step_day]
        for day in days[:-1]:
            cycle.amiable_tick(today=day, calendar=CAL)
        with CaptureQueriesContext(connection) as queries:
            cycle.amiable_tick(today=days[-1], calendar=CAL)
        return len(queries)

    few = queries_for(2, 0)
    Case.objects.all().delete()
    many = queries_for(40, 100)
    assert many == few


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_issue_nothing_twice(emission, org, contacts):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions")
    _cases(emission, org, 30)
    barrier = threading.Barrier(2)
    errors = []

    def run(day):
        try:
            barrier.wait()
            cycle.amiable_tick(today=day, calendar=CAL)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    for day in (DEFAULT, NOTICE):
        threads = [threading.Thread(target=run, args=(day,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert Case.objects.count() == 30
    assert Letter.objects.filter(kind=LetterKind.REMINDER).count() == 30
    assert Letter.objects.filter(kind=LetterKind.FORMAL_NOTICE).count() == 30
    assert Event.objects.filter(type=EventType.FORMAL_NOTICE).count() == 30
    for kind in ("amiable_reminder_action", "amiable_formal_notice"):  # each policy announced once
        policies = [policy for item in DigestItem.objects.filter(kind=kind) for policy in item.policies]
        assert len(policies) == len(set(policies)) == 30


def test_digest_links_are_built_from_the_url_names(make_case, tick, pay):
    """Issue 12 §3e: the cycle's news link to « Gérer le cycle amiable » through reverse(), one
    line per policy filtered on it (portal only fills the policy number in)."""
    from django.urls import reverse

    from portal import notifications
    from portal.models import DigestItem

    make_case()
    item = DigestItem.objects.filter(fan_out=DigestItem.FanOut.BROKER).exclude(link="").first()
    assert item.link == f"{reverse('amiable:cases')}?police={notifications.POLICY_NUMBER}"
    assert notifications.policy_link(item.link, "P 1/2") == f"{reverse('amiable:cases')}?police=P%201%2F2"
