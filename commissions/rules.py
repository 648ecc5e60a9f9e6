"""Pure rules of commission statements (no Django import): months, the commission of a line
and the rounding of amounts.

Rounding, as the statement explains it: each line's commission is its premium × its rate,
rounded to the cent half away from zero (``ROUND_HALF_UP``: 0,005 € → 0,01 €, −0,005 € → −0,01 €);
the statement's totals are the sums of its lines' rounded amounts (never a rate applied to a
total), and the VAT, when there is some, is the total excluding tax × the VAT rate, rounded the
same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)








def round_cent(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def commission_of(premium: Decimal, rate_percent: Decimal | None) -> Decimal:
    """A line's commission: premium × rate %, rounded to the cent (``ROUND_HALF_UP``); nothing
    without a rate in effect."""
    if rate_percent is None:
        return ZERO
    return round_cent(Decimal(premium) * Decimal(rate_percent) / HUNDRED)


def vat_of(total_excluding_tax: Decimal, vat_rate_percent: Decimal) -> Decimal:
    return round_cent(Decimal(total_excluding_tax) * Decimal(vat_rate_percent) / HUNDRED)



