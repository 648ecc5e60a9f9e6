"""Deadline rules of the cycle amiable (SPEC §4, seed 000). Pure: no Django import.

Every date of the timeline is computed here, from the business calendar and the dates the
case already has; nothing else computes dates. "bd" means business days (jours ouvrés).

    due date E ─8 bd→ default D ─ first business-day run T ≥ D → reminder R = T
    R ─5 bd→ end of the response window W
    no answer           → formal notice N = W + 1 bd
    broker answers Non  → N = A + 1 bd                    (A: date of the answer)
    extension approved  → N = max(W + 26 bd, V + 1 bd)    (V: date of the decision)
    extension refused   → N = V + 1 bd
    formal notice issued on M (first run T ≥ N) → suspension S = M + 30 days, termination
    X = M + 40 days (calendar days, art. L113-3), each moved to the next business day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

DEFAULT_DELAY = 8  # business days after the due date
RESPONSE_WINDOW = 5  # business days after the reminder
EXTENSION_LENGTH = 25  # business days added to the usual formal-notice date
SUSPENSION_DELAY = 30  # calendar days after the formal notice (L113-3)
TERMINATION_DELAY = 40  # calendar days after the formal notice (L113-3: 30 + 10)
REINSTATEMENT_TIME = time(12, 0)  # cover resumes at noon the day after payment (L113-3)


class Calendar(Protocol):
    def add_business_days(self, day: date, count: int) -> date: ...
    def is_business_day(self, day: date) -> bool: ...
    def next_business_day_on_or_after(self, day: date) -> date: ...
    def iter_business_days(self, start: date, end: date): ...


class Answer(StrEnum):
    NONE = ""
    DECLINED = "declined"  # "Non": formal notice at J+1 ouvré
    REQUESTED = "requested"  # "Oui": extension request sent to accounting


class Decision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


def default_date(*, due_date: date, calendar: Calendar) -> date:
    """D: the premium is in default 8 business days after its due date."""
    return calendar.add_business_days(due_date, DEFAULT_DELAY)


def latest_due_date_in_default(*, today: date, calendar: Calendar) -> date:
    """The latest due date E such that ``default_date(E) <= today``.

    ``default_date`` never decreases with E, so the premium calls in default on ``today`` are
    exactly those due on or before this date: one comparison in SQL, whatever their number.
    It is the day before the 8th business day counted back from ``today`` (inclusive).
    """
    found, day = 0, today
    while True:
        if calendar.is_business_day(day):
            found += 1
            if found == DEFAULT_DELAY:
                return day - timedelta(days=1)
        day -= timedelta(days=1)


def response_deadline(*, reminder_date: date, calendar: Calendar) -> date:
    """W: the last day a managing broker may answer."""
    return calendar.add_business_days(reminder_date, RESPONSE_WINDOW)


def remaining_days(*, reminder_date: date, window_end: date, today: date, calendar: Calendar) -> int:
    """Business days d with R < d <= W and d >= today: 5 on R, 5 on R+1, 1 on W, 0 after."""
    start = max(reminder_date, today - timedelta(days=1))
    return sum(1 for _ in calendar.iter_business_days(start, window_end))


def can_answer(*, reminder_date: date, window_end: date, today: date) -> bool:
    return reminder_date <= today <= window_end


def formal_notice_date(
    *,
    window_end: date,
    calendar: Calendar,
    answer: Answer = Answer.NONE,
    answered_on: date | None = None,
    decision: Decision | None = None,
    decided_on: date | None = None,
) -> date | None:
    """N: the planned date of the formal notice, or None while an extension request is pending."""
    if answer == Answer.DECLINED:
        if answered_on is None:
            raise ValueError("a refusal has a date")
        return calendar.add_business_days(answered_on, 1)
    if answer == Answer.REQUESTED:
        if decision in (None, Decision.PENDING):
            return None
        if decided_on is None:
            raise ValueError("a decision has a date")
        after_decision = calendar.add_business_days(decided_on, 1)
        if decision == Decision.APPROVED:
            # The usual date (W + 1 bd) moved by 25 business days, never before the decision.
            return max(calendar.add_business_days(window_end, 1 + EXTENSION_LENGTH), after_decision)
        return after_decision
    return calendar.add_business_days(window_end, 1)


def _shifted(day: date, calendar: Calendar) -> date:
    # Late is lawful, early is not: a deadline on a non-business day moves forward.
    return calendar.next_business_day_on_or_after(day)


def suspension_date(*, formal_notice_date: date, calendar: Calendar) -> date:
    """S: cover suspended 30 calendar days after the formal notice (next business day)."""
    return _shifted(formal_notice_date + timedelta(days=SUSPENSION_DELAY), calendar)


def termination_date(*, formal_notice_date: date, calendar: Calendar) -> date:
    """X: the insurer may terminate 40 calendar days after the formal notice (next business day)."""
    return _shifted(formal_notice_date + timedelta(days=TERMINATION_DELAY), calendar)


def reinstatement_effective(*, paid_on: date) -> datetime:
    """Cover resumes at noon the day after the payment is received (naive local time)."""
    return datetime.combine(paid_on + timedelta(days=1), REINSTATEMENT_TIME)


@dataclass(frozen=True)
class Timeline:
    """All the dates of one case, as the rules give them (used by letters and the API)."""

    due_date: date
    default_date: date
    reminder_date: date | None
    response_deadline: date | None
    formal_notice_date: date | None
    suspension_date: date | None
    termination_date: date | None
