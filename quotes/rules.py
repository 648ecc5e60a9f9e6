"""The Pyramide Artisan premium and the quote's limits: pure functions, no Django.

Premium excluding tax = base premium of the trade's tariff class for the turnover band
+ premises area × price per m² + staff × price per employee + the chosen options' prices;
taxes at the grid's rate; every amount rounded to the cent (half up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

MAX_TURNOVER = Decimal("50000000")  # 50 M€: beyond, a craftsman's business is not this product's
MAX_STAFF = 500
MAX_PREMISES_AREA = 20000  # m²
VALIDITY_DAYS = 30  # calendar days: the quote holds until issued_on + 30 days, included
CENT = Decimal("0.01")

# The options (field name on the quote and on the grid → label), in the order of the form and the PDF.
OPTIONS = {
    "machinery_breakdown": "Bris de machine",
    "business_interruption": "Pertes d'exploitation",
    "legal_protection": "Protection juridique",
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def valid_until(issued_on: date) -> date:
    return issued_on + timedelta(days=VALIDITY_DAYS)


@dataclass(frozen=True)
class Band:
    turnover_up_to: Decimal
    base_premium: Decimal


@dataclass(frozen=True)
class Grid:
    """One tariff class's bands (ascending) and the grid's unit prices."""

    bands: tuple[Band, ...]
    price_per_square_metre: Decimal
    price_per_employee: Decimal
    option_prices: dict[str, Decimal]
    tax_rate: Decimal  # percent


@dataclass(frozen=True)
class PremiumLine:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class Premium:
    lines: tuple[PremiumLine, ...]
    excluding_tax: Decimal
    tax: Decimal
    including_tax: Decimal


def band_for(bands: tuple[Band, ...], turnover: Decimal) -> Band | None:
    """The first band (ascending upper bounds, included) that holds the turnover."""
    for band in sorted(bands, key=lambda band: band.turnover_up_to):
        if turnover <= band.turnover_up_to:
            return band
    return None


def premium(*, grid: Grid, turnover: Decimal, staff_count: int, premises_area: int, options: list[str]) -> Premium | None:
    """The annual premium, or None when no band of the grid holds the turnover."""
    band = band_for(grid.bands, turnover)
    if band is None:
        return None
    lines = [
        PremiumLine("Prime de base (classe et tranche de chiffre d'affaires)", cents(band.base_premium)),
        PremiumLine(f"Locaux : {premises_area} m²", cents(grid.price_per_square_metre * premises_area)),
        PremiumLine(f"Effectif : {staff_count} salarié{'s' if staff_count > 1 else ''}",
                    cents(grid.price_per_employee * staff_count)),
    ]
    lines += [PremiumLine(f"Option {label.lower()}", cents(grid.option_prices[name]))
              for name, label in OPTIONS.items() if name in options]
    excluding_tax = sum((line.amount for line in lines), Decimal("0.00"))
    tax = cents(excluding_tax * grid.tax_rate / 100)
    return Premium(lines=tuple(lines), excluding_tax=excluding_tax, tax=tax, including_tax=excluding_tax + tax)
