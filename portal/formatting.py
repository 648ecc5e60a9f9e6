"""French display formats, used by templates, CSV exports and letters alike."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def format_date(value: date | None) -> str:
    """``dd/mm/yyyy``, or an empty string."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_money(value: Decimal | int | float | None, *, currency: bool = True) -> str:
    """``1 234,56 €`` (narrow no-break space between thousands, no-break space before €)."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    text = f"{sign}{NARROW_NBSP.join(groups)},{cents}"
    return f"{text}{NBSP}€" if currency else text


MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]


def format_long_date(value: date) -> str:
    """``1er mars 2026`` as written in French letters."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"
