"""French business-day calendar (SPEC §3).

Pure Python on purpose: no Django import, so the deadline rules that build on it can be
tested without a database and reused by any process. A *jour ouvré* is a Monday to Friday
that is not a French public holiday according to the ``holidays`` package, optionally with
the extra days of a subdivision (Alsace-Moselle adds Good Friday and 26 December).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache

import holidays

# The département numbers people type, mapped to the subdivision codes of ``holidays``.
SUBDIVISION_ALIASES = {
    "67": "6AE",  # Bas-Rhin
    "68": "6AE",  # Haut-Rhin
    "ALSACE": "6AE",
    "6AE": "6AE",
    "57": "57",  # Moselle
    "MOSELLE": "57",
    "ALSACE-MOSELLE": "6AE",
}


def normalise_subdivision(subdivision: str | None) -> str | None:
    """Return the ``holidays`` subdivision code for a setting value, or None for mainland."""
    if subdivision is None or not str(subdivision).strip():
        return None
    key = str(subdivision).strip().upper()
    if key in SUBDIVISION_ALIASES:
        return SUBDIVISION_ALIASES[key]
    if key in holidays.France.subdivisions:
        return key
    raise ValueError(f"Subdivision inconnue pour le calendrier français : {subdivision!r}")


class BusinessCalendar:
    """Business days of metropolitan France (or of one subdivision)."""

    def __init__(self, subdivision: str | None = None) -> None:
        self.subdivision = normalise_subdivision(subdivision)
        self._holidays = holidays.France(subdiv=self.subdivision)

    def __repr__(self) -> str:
        return f"BusinessCalendar(subdivision={self.subdivision!r})"

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add_business_days(self, day: date, count: int) -> date:
        """The ``count``-th business day strictly after ``day`` (``day`` itself never counts).

        ``count`` must be at least 1. Friday 1 May 2026 is a holiday, so
        ``add_business_days(date(2026, 4, 30), 1) == date(2026, 5, 4)``.
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        current = day
        remaining = count
        while remaining:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """Number of business days ``d`` with ``start < d <= end`` (0 when ``end <= start``).

        It inverts :meth:`add_business_days`: ``business_days_between(d, add_business_days(d, n)) == n``.
        """
        return sum(1 for _ in self.iter_business_days(start, end))

    def iter_business_days(self, start: date, end: date) -> Iterator[date]:
        """Business days ``d`` with ``start < d <= end``, in order."""
        current = start + timedelta(days=1)
        while current <= end:
            if self.is_business_day(current):
                yield current
            current += timedelta(days=1)

    def next_business_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a business day, else the first business day after it."""
        current = day
        while not self.is_business_day(current):
            current += timedelta(days=1)
        return current

    def previous_business_day_on_or_before(self, day: date) -> date:
        current = day
        while not self.is_business_day(current):
            current -= timedelta(days=1)
        return current


@lru_cache(maxsize=16)
def calendar_for(subdivision: str | None = None) -> BusinessCalendar:
    """A shared calendar per subdivision (the ``holidays`` object caches years lazily)."""
    return BusinessCalendar(subdivision)


def add_business_days(day: date, count: int, subdivision: str | None = None) -> date:
    return calendar_for(subdivision).add_business_days(day, count)


def is_business_day(day: date, subdivision: str | None = None) -> bool:
    return calendar_for(subdivision).is_business_day(day)
