"""Calendar months shared by invoices, commission statements and the activity page."""

from datetime import date

import pytest
from django.core.management.base import CommandError

from portal import months
from portal.management.months import month_option


def test_month_bounds_and_steps_across_years_and_leap_februaries():
    assert months.month_start(date(2026, 3, 17)) == date(2026, 3, 1)
    assert months.month_end(date(2024, 2, 10)) == date(2024, 2, 29)
    assert months.month_end(date(2026, 12, 31)) == date(2026, 12, 31)
    assert months.next_month_start(date(2026, 12, 5)) == date(2027, 1, 1)
    assert months.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months.add_months(date(2026, 11, 1), 14) == date(2028, 1, 1)
    assert months.previous_month(date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert months.months_between(date(2025, 11, 20), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert months.months_between(date(2026, 3, 1), date(2026, 2, 1)) == []


def test_the_month_option_of_the_monthly_commands():
    assert month_option(None, today=date(2026, 3, 2)) == date(2026, 2, 1)
    assert month_option("2025-12", today=date(2026, 3, 2)) == date(2025, 12, 1)
    for wrong in ("2026-13", "février", "2026-2-1"):
        with pytest.raises(CommandError, match="AAAA-MM"):
            month_option(wrong, today=date(2026, 3, 2))
