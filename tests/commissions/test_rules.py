from datetime import date
from decimal import Decimal

from commissions import rules
from portal import months


def test_a_line_is_rounded_half_up_to_the_cent():
    assert rules.commission_of(Decimal("100.05"), Decimal("15.00")) == Decimal("15.01")  # 15,0075
    assert rules.commission_of(Decimal("0.04"), Decimal("12.50")) == Decimal("0.01")  # 0,005 exactly
    assert rules.commission_of(Decimal("-0.04"), Decimal("12.50")) == Decimal("-0.01")  # away from zero
    assert rules.commission_of(Decimal("333.33"), Decimal("16.00")) == Decimal("53.33")  # 53,3328


def test_no_rate_no_commission():
    assert rules.commission_of(Decimal("500.00"), None) == Decimal("0.00")


def test_vat_is_rounded_on_the_total():
    assert rules.vat_of(Decimal("68.34"), Decimal("20.00")) == Decimal("13.67")  # 13,668
    assert rules.vat_of(Decimal("68.34"), Decimal("0.00")) == Decimal("0.00")


def test_months():
    assert months.previous_month(date(2026, 3, 2)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert months.previous_month(date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert months.next_month_start(date(2024, 2, 10)) == date(2024, 3, 1)
    assert months.months_between(date(2025, 11, 20), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
