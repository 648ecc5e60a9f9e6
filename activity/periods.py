"""Months and periods of the activity page: pure functions, no Django."""

from __future__ import annotations

from datetime import date

from portal.months import add_months, months_between  # noqa: F401  (the activity app's months)
from portal.months import month_start as month_of

MONTHS_SHOWN = 24  # the default period, and the longest one
MONTHS_KEPT_BEFORE = 35  # the figures keep 36 months up to the current one…
MONTHS_KEPT_AFTER = 12  # …and the calls already made for the 12 months after it

SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]








def kept_months(today: date) -> tuple[date, date]:
    """The first and last month the figures hold on ``today``."""
    current = month_of(today)
    return add_months(current, -MONTHS_KEPT_BEFORE), add_months(current, MONTHS_KEPT_AFTER)


def default_period(today: date) -> tuple[date, date]:
    """The 24 months up to the current one."""
    current = month_of(today)
    return add_months(current, -(MONTHS_SHOWN - 1)), current


def period_for(*, start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The period shown for a (valid) filter: both ends given, one (24 months from or to it,
    within the months kept), or none (the default)."""
    first_kept, last_kept = kept_months(today)
    if start and end:
        return month_of(start), month_of(end)
    if start:
        return month_of(start), min(add_months(month_of(start), MONTHS_SHOWN - 1), last_kept)
    if end:
        return max(add_months(month_of(end), -(MONTHS_SHOWN - 1)), first_kept), month_of(end)
    return default_period(today)


def month_label(month: date) -> str:
    """``mars 2026``."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def short_month_label(month: date) -> str:
    """``mars 26`` (chart axes)."""
    return f"{SHORT_MONTHS[month.month - 1]} {month.year % 100:02d}"
