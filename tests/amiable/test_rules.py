"""Deadline rules (SPEC §4) on dates around French holidays, then their properties."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amiable import rules
from amiable.rules import Answer, Decision
from portal.businessdays import BusinessCalendar
from tests.profiles import examples

CAL = BusinessCalendar()
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))


def test_module_is_pure():
    from pathlib import Path

    source = Path(rules.__file__).read_text(encoding="utf-8")
    assert "django" not in source


@pytest.mark.parametrize(
    ("due", "default"),
    [
        (date(2026, 5, 4), date(2026, 5, 18)),  # 8 May (Fri) and Ascension 14 May skipped
        (date(2026, 5, 15), date(2026, 5, 28)),  # Whit Monday 25 May skipped
        (date(2026, 7, 3), date(2026, 7, 16)),  # 14 July skipped
        (date(2025, 8, 6), date(2025, 8, 19)),  # 15 August 2025 (Friday) skipped
        (date(2026, 12, 17), date(2026, 12, 30)),  # Christmas (Friday) skipped
        (date(2026, 12, 24), date(2027, 1, 7)),  # Christmas and New Year skipped
    ],
)
def test_default_is_eight_business_days_after_due_date(due, default):
    assert rules.default_date(due_date=due, calendar=CAL) == default


def test_latest_due_date_in_default_on_an_example():
    # On Friday 15 May 2026 (8 May and Ascension off), calls due up to Sunday 3 May are in default.
    assert rules.latest_due_date_in_default(today=date(2026, 5, 15), calendar=CAL) == date(2026, 5, 3)


@settings(max_examples=examples(300))
@given(days, st.integers(min_value=-40, max_value=5))
def test_latest_due_date_selects_exactly_the_defaulted_calls(today, offset):
    due = today + timedelta(days=offset)
    latest = rules.latest_due_date_in_default(today=today, calendar=CAL)
    assert (due <= latest) == (rules.default_date(due_date=due, calendar=CAL) <= today)


@pytest.mark.parametrize(
    ("reminder", "window_end"),
    [
        (date(2026, 5, 11), date(2026, 5, 19)),  # Ascension 14 May
        (date(2026, 5, 20), date(2026, 5, 28)),  # Whit Monday 25 May
        (date(2026, 7, 9), date(2026, 7, 17)),  # 14 July
        (date(2026, 12, 21), date(2026, 12, 29)),  # Christmas
        (date(2026, 12, 28), date(2027, 1, 5)),  # New Year
    ],
)
def test_response_window_is_five_business_days(reminder, window_end):
    assert rules.response_deadline(reminder_date=reminder, calendar=CAL) == window_end


def test_remaining_days_five_on_reminder_and_next_day_one_on_last_day():
    reminder = date(2026, 5, 11)
    window_end = rules.response_deadline(reminder_date=reminder, calendar=CAL)
    remaining = {day: rules.remaining_days(reminder_date=reminder, window_end=window_end, today=day, calendar=CAL)
                 for day in (reminder, date(2026, 5, 12), date(2026, 5, 14), window_end, window_end + timedelta(1))}
    assert remaining == {
        reminder: 5,
        date(2026, 5, 12): 5,
        date(2026, 5, 14): 3,  # Ascension is not counted: 15, 18, 19
        window_end: 1,
        window_end + timedelta(1): 0,
    }


@settings(max_examples=examples(200))
@given(days, st.integers(min_value=0, max_value=12))
def test_remaining_days_never_exceed_the_window_and_reach_zero_after_it(reminder, offset):
    reminder = CAL.next_business_day_on_or_after(reminder)
    window_end = rules.response_deadline(reminder_date=reminder, calendar=CAL)
    today = reminder + timedelta(days=offset)
    remaining = rules.remaining_days(reminder_date=reminder, window_end=window_end, today=today, calendar=CAL)
    assert 0 <= remaining <= rules.RESPONSE_WINDOW
    assert (remaining == 0) == (today > window_end)


def test_formal_notice_without_answer_is_the_day_after_the_window():
    assert rules.formal_notice_date(window_end=date(2026, 5, 13), calendar=CAL) == date(2026, 5, 15)


def test_formal_notice_after_refusal_is_next_business_day():
    # Answered "Non" on Wednesday 13 May 2026: Ascension on the 14th, notice on Friday 15.
    planned = rules.formal_notice_date(window_end=date(2026, 5, 19), calendar=CAL, answer=Answer.DECLINED,
                                       answered_on=date(2026, 5, 13))
    assert planned == date(2026, 5, 15)


def test_formal_notice_is_held_while_extension_is_pending():
    assert rules.formal_notice_date(window_end=date(2026, 5, 19), calendar=CAL, answer=Answer.REQUESTED,
                                    decision=Decision.PENDING) is None


def test_approved_extension_moves_the_usual_date_by_25_business_days():
    window_end = date(2026, 5, 19)
    usual = rules.formal_notice_date(window_end=window_end, calendar=CAL)
    approved = rules.formal_notice_date(window_end=window_end, calendar=CAL, answer=Answer.REQUESTED,
                                        decision=Decision.APPROVED, decided_on=date(2026, 5, 20))
    assert approved == CAL.add_business_days(usual, 25) == date(2026, 6, 25)  # Whit Monday skipped


def test_late_approval_never_plans_the_notice_before_the_decision():
    approved = rules.formal_notice_date(window_end=date(2026, 5, 19), calendar=CAL, answer=Answer.REQUESTED,
                                        decision=Decision.APPROVED, decided_on=date(2026, 7, 10))
    assert approved == date(2026, 7, 13)  # 14 July is after: Monday 13


def test_refused_extension_plans_notice_the_next_business_day():
    refused = rules.formal_notice_date(window_end=date(2026, 5, 19), calendar=CAL, answer=Answer.REQUESTED,
                                       decision=Decision.REFUSED, decided_on=date(2026, 7, 13))
    assert refused == date(2026, 7, 15)  # 14 July skipped


@pytest.mark.parametrize(
    ("notice", "suspension", "termination"),
    [
        (date(2026, 6, 16), date(2026, 7, 16), date(2026, 7, 27)),  # 26 July is a Sunday
        (date(2026, 6, 14), date(2026, 7, 15), date(2026, 7, 24)),  # 14 July holiday → 15 July
        (date(2026, 7, 16), date(2026, 8, 17), date(2026, 8, 25)),  # 15 Aug Sat, 16 Sun → Monday 17
        (date(2026, 11, 25), date(2026, 12, 28), date(2027, 1, 4)),  # 25 Dec → 28; 4 Jan is a Monday
        (date(2026, 11, 22), date(2026, 12, 22), date(2027, 1, 4)),  # 1 Jan holiday (Fri) → Monday 4
    ],
)
def test_suspension_and_termination_count_calendar_days_then_shift_forward(notice, suspension, termination):
    assert rules.suspension_date(formal_notice_date=notice, calendar=CAL) == suspension
    assert rules.termination_date(formal_notice_date=notice, calendar=CAL) == termination


@settings(max_examples=examples(300))
@given(days)
def test_legal_delays_are_never_shortened(notice):
    suspension = rules.suspension_date(formal_notice_date=notice, calendar=CAL)
    termination = rules.termination_date(formal_notice_date=notice, calendar=CAL)
    assert suspension >= notice + timedelta(days=30) and CAL.is_business_day(suspension)
    assert termination >= notice + timedelta(days=40) and CAL.is_business_day(termination)
    assert (suspension - (notice + timedelta(days=30))).days <= 4  # at most a long weekend late
    assert termination > suspension


@settings(max_examples=examples(200))
@given(days, st.sampled_from(list(Answer)), st.sampled_from([Decision.APPROVED, Decision.REFUSED]),
       st.integers(min_value=0, max_value=30))
def test_planned_notice_always_falls_on_a_business_day_after_the_answer(reminder, answer, decision, delay):
    reminder = CAL.next_business_day_on_or_after(reminder)
    window_end = rules.response_deadline(reminder_date=reminder, calendar=CAL)
    answered_on = CAL.add_business_days(reminder, 1) if answer != Answer.NONE else None
    decided_on = answered_on + timedelta(days=delay) if answer == Answer.REQUESTED else None
    planned = rules.formal_notice_date(window_end=window_end, calendar=CAL, answer=answer, answered_on=answered_on,
                                       decision=decision if answer == Answer.REQUESTED else None,
                                       decided_on=decided_on)
    assert CAL.is_business_day(planned)
    assert planned > (decided_on or answered_on or window_end)
    if answer == Answer.REQUESTED and decision == Decision.APPROVED:
        assert planned >= CAL.add_business_days(window_end, 26)


def test_reinstatement_at_noon_the_day_after_payment():
    assert rules.reinstatement_effective(paid_on=date(2026, 12, 31)).isoformat() == "2027-01-01T12:00:00"
