"""The pure business calendar (SPEC §3): examples, then properties (hypothesis)."""

import subprocess
import sys
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.businessdays import BusinessCalendar, normalise_subdivision
from tests.profiles import examples

CAL = BusinessCalendar()
ALSACE = BusinessCalendar("6AE")
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 6, 30))


def test_module_imports_no_django():
    # Loaded as a file, without the package (whose __init__ starts the Celery app).
    code = (
        "import importlib.util, sys; spec = importlib.util.spec_from_file_location('bd', 'portal/businessdays.py');"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec));"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_spec_example_first_of_may():
    # Friday 1 May 2026 is a holiday: the next business day after Thursday 30 April is Monday 4 May.
    assert CAL.add_business_days(date(2026, 4, 30), 1) == date(2026, 5, 4)


def test_the_start_day_never_counts_even_when_it_is_a_business_day():
    assert CAL.add_business_days(date(2026, 3, 2), 1) == date(2026, 3, 3)
    assert CAL.add_business_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # from a Saturday


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 5, 13), 1, date(2026, 5, 15)),  # Ascension Thursday 14 May 2026
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # Whit Monday 25 May 2026 is a holiday
        (date(2026, 7, 13), 1, date(2026, 7, 15)),  # 14 July
        (date(2025, 8, 14), 1, date(2025, 8, 18)),  # Friday 15 August 2025
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas on Friday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year on Friday
        (date(2026, 2, 2), 8, date(2026, 2, 12)),
    ],
)
def test_add_business_days_around_holidays(start, count, expected):
    assert CAL.add_business_days(start, count) == expected


def test_alsace_moselle_adds_good_friday_and_saint_stephen():
    assert CAL.is_business_day(date(2026, 4, 3)) and not ALSACE.is_business_day(date(2026, 4, 3))
    assert CAL.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert not ALSACE.is_business_day(date(2025, 12, 26))
    assert CAL.is_business_day(date(2025, 12, 26))


@pytest.mark.parametrize(("value", "code"), [("67", "6AE"), ("68", "6AE"), ("57", "57"), ("Alsace", "6AE"),
                                             ("", None), (None, None)])
def test_departement_numbers_are_mapped(value, code):
    assert normalise_subdivision(value) == code


def test_unknown_subdivision_is_refused():
    with pytest.raises(ValueError, match="Subdivision inconnue"):
        BusinessCalendar("99")


def test_zero_or_negative_count_is_refused():
    with pytest.raises(ValueError):
        CAL.add_business_days(date(2026, 3, 2), 0)


@settings(max_examples=examples(300))
@given(days, st.integers(min_value=1, max_value=60))
def test_result_is_always_a_business_day_after_start(start, count):
    result = CAL.add_business_days(start, count)
    assert result > start
    assert result.weekday() < 5
    assert result not in holidays.France(years=result.year)


@settings(max_examples=examples(200))
@given(days, st.integers(min_value=1, max_value=40))
def test_strictly_increasing_in_n(start, count):
    assert CAL.add_business_days(start, count) < CAL.add_business_days(start, count + 1)


@settings(max_examples=examples(200))
@given(days, days)
def test_monotone_in_the_start_date(first, second):
    low, high = sorted((first, second))
    assert CAL.add_business_days(low, 5) <= CAL.add_business_days(high, 5)


@settings(max_examples=examples(200))
@given(days, st.integers(min_value=1, max_value=60))
def test_counting_inverts_adding(start, count):
    assert CAL.business_days_between(start, CAL.add_business_days(start, count)) == count


@settings(max_examples=examples(100))
@given(days, st.integers(min_value=1, max_value=30))
def test_alsace_moselle_is_never_earlier(start, count):
    assert ALSACE.add_business_days(start, count) >= CAL.add_business_days(start, count)


def test_every_french_holiday_2025_to_2030_is_skipped():
    for year in range(2025, 2031):
        for holiday in holidays.France(years=year):
            assert not CAL.is_business_day(holiday)
            before = holiday - timedelta(days=1)
            assert CAL.add_business_days(before, 1) != holiday
        assert date(year, 5, 1) in holidays.France(years=year)
    # Whit Monday counts as a holiday (SPEC §3).
    assert not CAL.is_business_day(date(2027, 5, 17))


def test_next_business_day_on_or_after():
    assert CAL.next_business_day_on_or_after(date(2026, 3, 2)) == date(2026, 3, 2)
    assert CAL.next_business_day_on_or_after(date(2026, 5, 1)) == date(2026, 5, 4)
