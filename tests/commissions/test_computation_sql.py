"""The « provisoire » read in SQL (``computation.month_totals`` / ``month_line_rows``) says exactly
what the issue computes in Python (``month_lines`` → ``totals_of``): same lines in the same order,
each commission rounded to the cent half up, totals = sums of the rounded lines — on amounts that
round at the half cent or that a float does not hold exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from commissions import computation, services
from commissions.models import LineKind
from commissions.rules import commission_of
from portal.models import Area, Product

MARCH, TODAY = date(2026, 3, 1), date(2026, 3, 2)
# premium → commission at 12,50 % or 33,33 %: half cents, and decimals a float rounds the wrong way
TRICKY = ["0.10", "1.16", "1.00", "2.28", "4.52", "33.33", "100.05", "0.01", "0.03", "9999.99", "1234.56", "4.60"]


def _all_ways(**scope) -> tuple:
    sql = computation.month_totals(**scope)
    python = computation.month_totals_python(**scope)
    lines = computation.month_lines(**scope)
    rows = list(computation.LineRows(computation.month_line_rows(**scope)))
    return sql, python, computation.totals_of(lines), lines, rows


@pytest.fixture
def tricky(org, february, premium, pay):
    """February issued, then in March: payments at tricky amounts on two products (12,50 % and
    33,33 %), one on a product without rate, a February payment recorded late and a stated one
    withdrawn."""
    services.statements_issue(period_start=date(2026, 2, 1), today=TODAY)
    half = Product.objects.create(code="half", name="Demi")
    third = Product.objects.create(code="third", name="Tiers")
    services.rate_add(product=half, rate=Decimal("12.50"), effective_from=date(2026, 3, 1))
    services.rate_add(product=third, rate=Decimal("33.33"), effective_from=date(2026, 3, 1))
    calls = [premium(f"EM-T{index}", broker=org, policy_number=f"P-T{index}", member_number=f"M-T{index}",
                     product=("half", "third")[index % 2], amount="10000.00") for index in range(4)]
    for index, amount in enumerate(TRICKY):
        pay(calls[index % 4], amount, date(2026, 3, 1 + index % 2), reference=f"PAY-T{index}")
    pay(february["calls"]["fleet"], "12.34", date(2026, 3, 2), reference="PAY-NORATE")
    pay(february["calls"]["first"], "10.05", date(2026, 2, 27), reference="PAY-LATE")  # after February's issue
    february["second"].delete()  # withdrawn by the insurer: given back
    return calls


def test_the_half_cent_cases_are_really_tricky():
    assert commission_of(Decimal("0.10"), Decimal("12.50")) == Decimal("0.01")  # 0,0125
    assert commission_of(Decimal("1.00"), Decimal("12.50")) == Decimal("0.13")  # 0,125 → up
    assert commission_of(Decimal("0.03"), Decimal("33.33")) == Decimal("0.01")  # 0,009999
    # 1,16 × 12,50 % = 0,145 exactly → 0,15; in floats 0,14499… → 0,14
    assert commission_of(Decimal("1.16"), Decimal("12.50")) == Decimal("0.15")
    assert round(float(Decimal("1.16")) * 12.5 / 100 * 100) / 100 == 0.14


def test_sql_totals_equal_the_sums_of_the_rounded_lines(org, tricky):
    sql, python, of_lines, lines, rows = _all_ways(organisation_id=org.pk, start=MARCH, end=TODAY)
    assert sql == python == of_lines
    assert {line.kind for line in lines} == set(LineKind)
    assert sql.line_count == len(TRICKY) + 3
    # a rate applied to the total would differ: the sums of rounded lines are what is stated
    assert rows == lines


def test_the_same_for_a_collaborators_clients(org, collaborator, delegate, tricky, february):
    from commissions.selectors import _provisional_scope

    delegate(collaborator, [tricky[0].policy.member, tricky[1].policy.member,
                            february["calls"]["second"].policy.member], areas=[Area.COMMISSIONS])
    scope = _provisional_scope(collaborator, TODAY)
    sql, python, of_lines, lines, rows = _all_ways(**scope)
    assert sql == python == of_lines and rows == lines
    assert 0 < sql.line_count < len(TRICKY) + 3
    assert any(line.kind == LineKind.REVERSAL for line in rows)


def test_before_last_months_issue_and_when_nothing_is_paid(org, other_org, february):
    """On 2 March before February's issue: February waits; another organisation has nothing."""
    scope = {"organisation_id": org.pk, "start": MARCH, "end": TODAY, "not_before": date(2026, 2, 1)}
    sql, python, of_lines, lines, rows = _all_ways(**scope)
    assert sql == python == of_lines == computation.Totals(0, Decimal("0.00"), Decimal("0.00")) and rows == lines == []
    february_scope = {"organisation_id": org.pk, "start": date(2026, 2, 1), "end": date(2026, 2, 28)}
    sql, python, of_lines, lines, rows = _all_ways(**february_scope)
    assert sql == python == of_lines and sql.commission_total == Decimal("68.34") and rows == lines


def test_a_page_of_lines_reads_only_its_rows(org, tricky, django_assert_num_queries):
    rows = computation.LineRows(computation.month_line_rows(organisation_id=org.pk, start=MARCH, end=TODAY))
    everything = computation.month_lines(organisation_id=org.pk, start=MARCH, end=TODAY)
    with django_assert_num_queries(1):
        assert rows[2:5] == everything[2:5]
    assert rows.count() == len(everything)
