"""The SVG bar charts: pure geometry, no database."""

from datetime import date
from decimal import Decimal

from activity import charts, periods


def test_nice_axis_maximum():
    assert [charts.nice_maximum(value) for value in (0, 0.7, 3, 7, 12, 26, 480, 5000)] == [
        1.0, 1.0, 5, 10, 20, 50, 500, 5000]


def test_bars_are_proportional_and_titled():
    chart = charts.bar_chart(["oct.", "nov."], [("Appelées", [Decimal("100"), Decimal("50")]),
                                                ("Encaissées", [Decimal("100"), None])])
    assert len(chart.bars) == 3  # None draws no bar
    first, second, third = chart.bars
    assert first.height == second.height == 2 * third.height
    assert first.series == 1 and second.series == 2
    assert third.title == "nov. — Appelées : 50"
    assert [tick.label for tick in chart.ticks] == ["0", "25", "50", "75", "100"]
    assert not chart.empty


def test_counts_have_whole_ticks():
    chart = charts.bar_chart(["a", "b"], [("Dossiers", [1, 0])], integer=True)
    assert [tick.label for tick in chart.ticks] == ["0", "1", "2", "3", "4"]
    chart = charts.bar_chart(["a"], [("Dossiers", [7])], integer=True)
    assert [tick.label for tick in chart.ticks] == ["0", "3", "6", "9", "12"]


def test_an_empty_chart_says_so():
    chart = charts.bar_chart(["a"], [("x", [0])])
    assert chart.empty and chart.bars[0].height == 0


def test_periods():
    assert periods.default_period(date(2026, 3, 2)) == (date(2024, 4, 1), date(2026, 3, 1))
    assert periods.kept_months(date(2026, 3, 2)) == (date(2023, 4, 1), date(2027, 3, 1))
    assert periods.period_for(start=date(2026, 1, 1), end=None, today=date(2026, 3, 2)) == (
        date(2026, 1, 1), date(2027, 3, 1))
    assert periods.period_for(start=None, end=date(2025, 6, 1), today=date(2026, 3, 2)) == (
        date(2023, 7, 1), date(2025, 6, 1))
    assert periods.month_label(date(2026, 2, 1)) == "février 2026"
    assert periods.short_month_label(date(2026, 2, 1)) == "févr. 26"
    assert len(periods.months_between(date(2025, 11, 1), date(2026, 2, 1))) == 4
