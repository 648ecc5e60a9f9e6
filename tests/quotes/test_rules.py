"""The premium and the validity of a quote: pure rules."""

from datetime import date
from decimal import Decimal

from quotes import rules

GRID = rules.Grid(
    bands=(rules.Band(Decimal("500000"), Decimal("762.50")), rules.Band(Decimal("150000"), Decimal("525.00"))),
    price_per_square_metre=Decimal("1.20"), price_per_employee=Decimal("38.00"),
    option_prices={"machinery_breakdown": Decimal("145"), "business_interruption": Decimal("210"),
                   "legal_protection": Decimal("95")},
    tax_rate=Decimal("9.00"),
)


def test_the_band_holds_its_upper_bound():
    assert rules.band_for(GRID.bands, Decimal("0")).base_premium == Decimal("525.00")
    assert rules.band_for(GRID.bands, Decimal("150000")).base_premium == Decimal("525.00")
    assert rules.band_for(GRID.bands, Decimal("150000.01")).base_premium == Decimal("762.50")
    assert rules.band_for(GRID.bands, Decimal("500000.01")) is None


def test_premium_base_plus_premises_staff_options_and_taxes():
    premium = rules.premium(grid=GRID, turnover=Decimal("420000"), staff_count=6, premises_area=140,
                            options=["business_interruption"])
    # 762,50 + 140 × 1,20 + 6 × 38 + 210 = 1 368,50 HT; taxes 9 % = 123,17 (half up); 1 491,67 TTC
    assert [line.amount for line in premium.lines] == [Decimal("762.50"), Decimal("168.00"), Decimal("228.00"),
                                                      Decimal("210.00")]
    assert (premium.excluding_tax, premium.tax, premium.including_tax) == (
        Decimal("1368.50"), Decimal("123.17"), Decimal("1491.67"))
    assert premium.lines[2].label == "Effectif : 6 salariés"


def test_no_band_no_premium():
    assert rules.premium(grid=GRID, turnover=Decimal("600000"), staff_count=0, premises_area=1, options=[]) is None


def test_a_quote_is_valid_thirty_calendar_days():
    assert rules.valid_until(date(2026, 3, 2)) == date(2026, 4, 1)
    assert rules.valid_until(date(2026, 12, 15)) == date(2027, 1, 14)
