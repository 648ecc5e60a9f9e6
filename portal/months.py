"""Calendar months: pure functions, no Django (like ``businessdays``). Billing's invoices,
commission statements and the activity page all count in months; they share these.

``parse_month("2026-02")`` reads the ``AAAA-MM`` of commands and filters (``ValueError`` otherwise).
"""

from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def next_month_start(day: date) -> date:
    return month_end(day) + timedelta(days=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def previous_month(today: date) -> tuple[date, date]:
    """The first and last days of the month before ``today``'s (the month a statement or an
    invoice of the 1st covers)."""
    last = month_start(today) - timedelta(days=1)
    return month_start(last), last


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, in order."""
    count = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(month_start(first), offset) for offset in range(count + 1)]


def parse_month(text: str) -> date:
    """``"2026-02"`` → 1 February 2026; anything else is a ``ValueError``."""
    return date.fromisoformat(f"{text}-01")
