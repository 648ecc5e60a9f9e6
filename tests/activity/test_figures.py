"""The figures of « Suivre votre activité »: SQL aggregates of the premium calls, the policies
and the cycle amiable's history, the same as « Gérer le cycle amiable » shows."""

from datetime import date
from decimal import Decimal

import pytest

from activity import selectors
from activity.models import MonthlyFigure, ProductFigure, Snapshot
from amiable.models import Case, Stage
from portal.models import Member, Policy, PolicyStatus
from tests.activity.conftest import TODAY

pytestmark = pytest.mark.django_db
PERIOD = {"start": date(2024, 4, 1), "end": date(2026, 3, 1)}


def month(activity, day: date):
    return next(row for row in activity.months if row.month == day)


def test_premiums_called_and_collected_per_due_month_and_the_collection_rate(portfolio, admin_user):
    activity = selectors.activity_for(user=admin_user, **PERIOD)
    assert len(activity.months) == 24 and activity.months[0].month == date(2024, 4, 1)
    october, november, january = (month(activity, date(2025, 10, 1)), month(activity, date(2025, 11, 1)),
                                  month(activity, date(2026, 1, 1)))
    assert (october.called, october.collected, october.rate) == (Decimal("3000"), Decimal("3000"), Decimal("100.0"))
    assert (november.called, november.collected, november.rate) == (Decimal("500"), Decimal("0"), Decimal("0.0"))
    assert (january.called, january.collected, january.rate) == (Decimal("3000"), Decimal("2000"), Decimal("66.7"))
    assert month(activity, date(2025, 12, 1)).rate is None  # nothing called: no rate, not 0 %
    assert (activity.called, activity.collected, activity.rate) == (Decimal("6800"), Decimal("5300"), Decimal("77.9"))


def test_policies_in_force_by_product(portfolio, admin_user):
    activity = selectors.activity_for(user=admin_user, **PERIOD)
    assert [(row.name, row.policies) for row in activity.products] == [
        ("Pyramide Artisan", 2), ("Flotte automobile", 1), ("Sans produit", 1)]


def test_suspensions_terminations_and_open_cases_match_the_cycle_amiable(cycle_history, admin_user):
    activity = selectors.activity_for(user=admin_user, **PERIOD)
    # The unpaid call of November 2025: suspended in December, terminated in January.
    assert [(row.month, row.suspensions, row.terminations) for row in activity.months if row.suspensions
            or row.terminations] == [(date(2025, 12, 1), 1, 0), (date(2026, 1, 1), 0, 1)]
    assert Policy.objects.get(number="P-2").status == PolicyStatus.TERMINATED
    assert {row.name: row.policies for row in activity.products}["Pyramide Artisan"] == 1
    # Open cases by step: exactly the cases « Gérer le cycle amiable » shows as open.
    open_cases = Case.objects.filter(broker=admin_user.organisation, stage__in=[Stage.OPEN, Stage.FORMAL_NOTICE,
                                                                                Stage.SUSPENDED])
    assert [(row.label, row.cases) for row in activity.steps] == [
        ("Rappel", open_cases.filter(stage=Stage.OPEN).count()), ("Mise en demeure", 0),
        ("Garanties suspendues", 0)]
    assert activity.open_cases == 1


def test_case_counts_are_live_while_other_figures_wait_for_the_refresh(cycle_history, admin_user, calls, org,
                                                                       refresh):
    Case.objects.filter(stage=Stage.OPEN).update(stage=Stage.FORMAL_NOTICE)
    calls(broker=org, policy_number="P-9", member_number="M-9", company_name="NOUVEAU", product=None,
          dues=[(date(2026, 2, 2), "100.00", "0")])
    activity = selectors.activity_for(user=admin_user, **PERIOD)
    assert [row.cases for row in activity.steps] == [0, 1, 0]
    assert month(activity, date(2026, 2, 1)).called == Decimal("300")
    refresh()
    assert month(selectors.activity_for(user=admin_user, **PERIOD), date(2026, 2, 1)).called == Decimal("400")


def test_one_client(portfolio, admin_user):
    member = Member.objects.get(member_number="M-2")
    activity = selectors.activity_for(user=admin_user, member=member, **PERIOD)
    assert (activity.called, activity.collected, activity.policies) == (Decimal("4000"), Decimal("3000"), 1)


def test_the_refresh_is_set_based_and_replaces_the_figures(portfolio, refresh, django_assert_max_num_queries):
    before = MonthlyFigure.objects.count()
    with django_assert_max_num_queries(12):  # never a query per policy, call or client
        report = refresh()
    assert MonthlyFigure.objects.count() == before == report.monthly_rows
    assert ProductFigure.objects.count() == report.product_rows
    # Per client and for the whole organisation: each organisation's totals are its clients' sums.
    totals = MonthlyFigure.objects.filter(member__isnull=True, broker=portfolio_org(), month=date(2025, 10, 1))
    assert [row.called for row in totals] == [Decimal("3000.00")]
    assert Snapshot.objects.get().business_date == TODAY


def portfolio_org():
    return Policy.objects.get(number="P-1").broker


def test_a_month_outside_the_kept_window_is_not_counted(portfolio, calls, org, refresh, admin_user):
    calls(broker=org, policy_number="P-8", member_number="M-8", company_name="ANCIEN", product=None,
          dues=[(date(2022, 1, 3), "100.00", "100.00")])
    refresh()
    assert not MonthlyFigure.objects.filter(month__lt=date(2023, 4, 1)).exists()  # 36 months up to March 2026
