"""The legal date engine (SPEC §5): examples, then properties (hypothesis)."""

import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resiliation.rules import dates as d

PARIS = ZoneInfo("Europe/Paris")
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize("module", ["resiliation/rules/dates.py", "resiliation/rules/__init__.py"])
def test_pure_modules_import_no_django(module):
    code = (
        f"import importlib.util, sys; spec = importlib.util.spec_from_file_location('m', '{module}');"
        "mod = importlib.util.module_from_spec(spec); sys.modules['m'] = mod; spec.loader.exec_module(mod);"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2021, 1, 31), 1, date(2021, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2021, 12, 15), 1, date(2022, 1, 15)),
    (date(2021, 3, 31), 1, date(2021, 4, 30)),
    (date(2021, 8, 31), -2, date(2021, 6, 30)),
    (date(2000, 1, 31), 1, date(2000, 2, 29)),  # divisible by 400
    (date(2100, 1, 31), 1, date(2100, 2, 28)),  # divisible by 100
])
def test_add_months_calendar_months(start, months, expected):
    assert d.add_months(start, months) == expected


def test_seed_example_hamon_start_23_july_gives_send_21_june():
    assert d.hamon_send_date(date(2021, 7, 23)) == date(2021, 6, 21)
    assert d.hamon_earliest_start(date(2021, 6, 21)) == date(2021, 7, 23)


def test_hamon_end_of_month():
    # sent 30/01 → received 31/01 → one month = 28/02 (2021) → safety day → 01/03
    assert d.hamon_earliest_start(date(2021, 1, 30)) == date(2021, 3, 1)
    # 29/01 gives the same start: the latest send date for 01/03 is the 30th
    assert d.hamon_earliest_start(date(2021, 1, 29)) == date(2021, 3, 1)
    assert d.hamon_send_date(date(2021, 3, 1)) == date(2021, 1, 30)
    assert d.hamon_earliest_start(date(2024, 1, 30)) == date(2024, 3, 1)  # 31/01 → 29/02 → 01/03


def test_au_plus_tot_and_cutoff_at_20h():
    before = datetime(2021, 6, 21, 19, 59, tzinfo=PARIS)
    after = datetime(2021, 6, 21, 20, 0, tzinfo=PARIS)
    assert d.hamon_plan(start=None, now=before) == d.HamonPlan(start=date(2021, 7, 23), send=date(2021, 6, 21))
    assert d.hamon_plan(start=None, now=after).send == date(2021, 6, 22)
    # a Sunday counts like any other day
    sunday = datetime(2021, 6, 20, 10, 0, tzinfo=PARIS)
    assert d.earliest_send_date(sunday) == date(2021, 6, 20)


def test_hamon_start_too_close_is_refused_with_the_earliest_date():
    plan = d.hamon_plan(start=date(2021, 7, 1), now=datetime(2021, 6, 21, 10, tzinfo=PARIS))
    assert plan.error and "au plus tôt le 23/07/2021" in plan.error


def test_send_date_errors():
    now = datetime(2026, 3, 2, 20, 30, tzinfo=PARIS)
    assert "plus de 20 h" in d.send_date_error(date(2026, 3, 2), now)
    assert d.send_date_error(date(2026, 3, 3), now) is None
    assert "antérieure" in d.send_date_error(date(2026, 3, 1), datetime(2026, 3, 2, 9, tzinfo=PARIS))


def test_l113_12_two_months_before_the_due_date():
    due = date(2026, 7, 1)
    contract = d.ContractDates(reason="main_due_date", main_due_date=due)
    assert d.contract_warnings(contract, date(2026, 4, 30)) == []  # received 01/05 = due - 2 months
    late = d.contract_warnings(contract, date(2026, 5, 1))
    assert len(late) == 1 and "L113-12" in late[0] and "02/05/2026" in late[0]


def test_chatel_twenty_days_after_the_notice():
    contract = d.ContractDates(reason="chatel", main_due_date=date(2026, 5, 1), notice_date=date(2026, 3, 1))
    assert d.contract_warnings(contract, date(2026, 3, 21)) == []
    assert "L113-15-1" in d.contract_warnings(contract, date(2026, 3, 22))[0]
    assert d.contract_effect_date(contract, date(2026, 3, 21)) == date(2026, 3, 22)


def test_l113_16_three_months_after_the_event_and_effect_one_month_after_receipt():
    contract = d.ContractDates(reason="change_of_address", event_date=date(2025, 11, 30))
    assert d.contract_warnings(contract, date(2026, 2, 28)) == []
    assert "L113-16" in d.contract_warnings(contract, date(2026, 3, 1))[0]
    assert d.contract_effect_date(contract, date(2026, 1, 30)) == date(2026, 2, 28)


def test_l121_11_vehicle_sale_ten_days_notice():
    contract = d.ContractDates(reason="vehicle_sale", event_date=date(2026, 3, 5))
    assert d.contract_effect_date(contract, date(2026, 3, 6)) == date(2026, 3, 17)
    assert "L121-11" in d.contract_warnings(contract, date(2026, 3, 2))[0]
    assert d.contract_warnings(contract, date(2026, 3, 6)) == []


def test_main_due_date_effect_moves_to_the_next_due_date_the_letter_reaches_in_time():
    due = date(2026, 7, 1)
    assert d.main_due_date_effect(due, date(2026, 4, 30)) == due  # received 01/05, two months before
    assert d.main_due_date_effect(due, date(2026, 5, 1)) == date(2027, 7, 1)
    assert d.main_due_date_effect(date(2025, 7, 1), date(2026, 3, 2)) == date(2026, 7, 1)  # last year's date given


SEND = date(2026, 3, 2)  # received 03/03/2026


@pytest.mark.parametrize(("contract", "article", "effect"), [
    (d.ContractDates(reason="main_due_date", main_due_date=date(2026, 7, 1)), "L113-12", "01/07/2026"),
    (d.ContractDates(reason="chatel", main_due_date=date(2026, 4, 1), notice_date=date(2026, 2, 20)),
     "L113-15-1", "03/03/2026"),
    (d.ContractDates(reason="change_of_address", event_date=date(2026, 2, 1)), "L113-16", "03/04/2026"),
    (d.ContractDates(reason="marital_status", event_date=date(2026, 2, 1)), "L113-16", "03/04/2026"),
    (d.ContractDates(reason="vehicle_sale", event_date=date(2026, 2, 20)), "L121-11", "13/03/2026"),
    (d.ContractDates(reason="hamon"), "L113-15-2", "03/04/2026"),
])
def test_each_clause_cites_its_article_and_its_effective_date(contract, article, effect):
    from resiliation import rules

    clause = d.termination_clause(contract, send=SEND, reference=rules.legal_reference(contract.reason))
    assert f"article {article} du Code des assurances" in clause and f"soit le {effect}" in clause
    assert "prévue par la loi" not in clause


def test_ria_clause_at_a_mutuelle_cites_the_code_de_la_mutualite_and_the_new_start():
    from resiliation import rules

    clause = d.termination_clause(d.ContractDates(reason="health_ria"), send=SEND,
                                  reference=rules.legal_reference("health_ria", rules.InsurerKind.MUTUAL),
                                  new_contract_start=date(2026, 4, 4))
    assert "article L221-10-2 du Code de la mutualité" in clause and "L113-15-2" not in clause
    assert "soit le 03/04/2026" in clause and "le nouveau contrat prenant effet le 04/04/2026" in clause


def test_a_reason_without_legal_date_refers_to_the_contract():
    clause = d.termination_clause(d.ContractDates(reason="price_increase"), send=SEND, reference="")
    assert clause == "Cette résiliation prendra effet dans les conditions prévues par le contrat."


def test_late_dispatch_breaks_the_hamon_start():
    start = d.hamon_earliest_start(SEND)  # the latest send date for this start is SEND itself
    assert d.late_dispatch_problems([], planned=SEND, actual=SEND, new_contract_start=start) == []
    late = d.late_dispatch_problems([], planned=SEND, actual=SEND + timedelta(days=1), new_contract_start=start)
    assert len(late) == 1 and f"{start:%d/%m/%Y}" in late[0] and "au plus tôt au 05/04/2026" in late[0]
    # a start chosen with room to spare survives a day's delay
    assert d.late_dispatch_problems([], planned=SEND, actual=SEND + timedelta(days=1),
                                    new_contract_start=start + timedelta(days=10)) == []


def test_late_dispatch_breaks_only_the_limits_the_planned_date_kept():
    due = d.ContractDates(reason="main_due_date", label="Assurance auto n° 1", main_due_date=date(2026, 5, 3))
    latest = d.latest_send_date(due)  # received 03/03 = two months before 03/05
    assert latest == SEND
    problems = d.late_dispatch_problems([due], planned=SEND, actual=SEND + timedelta(days=1))
    assert len(problems) == 1 and "Assurance auto n° 1" in problems[0] and "02/03/2026" in problems[0]
    # already late when planned (a warning the user accepted): the delay changes nothing more
    assert d.late_dispatch_problems([due], planned=SEND + timedelta(days=1), actual=SEND + timedelta(days=2)) == []
    # reasons without a sending limit are not held
    sale = d.ContractDates(reason="vehicle_sale", event_date=date(2026, 2, 1))
    assert d.late_dispatch_problems([sale], planned=SEND, actual=SEND + timedelta(days=5)) == []


# ---------------------------------------------------------------------------- properties


@given(days, st.integers(min_value=-240, max_value=240))
def test_add_months_keeps_the_day_or_clamps_to_month_end(day, months):
    result = d.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(days=1)).day == 1)


@given(days, st.integers(min_value=0, max_value=60))
def test_add_months_is_monotonic(day, extra):
    assert d.add_months(day, 1) <= d.add_months(day + timedelta(days=extra), 1)


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_hamon_send_date_is_the_latest_that_respects_the_start(start):
    send = d.hamon_send_date(start)
    assert d.hamon_earliest_start(send) <= start
    assert d.hamon_earliest_start(send + timedelta(days=1)) > start
    assert timedelta(days=28) <= start - send <= timedelta(days=34)


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_hamon_round_trip_from_a_send_date(send):
    start = d.hamon_earliest_start(send)
    assert d.hamon_send_date(start) >= send
    assert d.hamon_earliest_start(d.hamon_send_date(start)) == start


@given(days, st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_main_due_date_warning_iff_received_later_than_two_months_before(send, due):
    warned = bool(d.contract_warnings(d.ContractDates(reason="main_due_date", main_due_date=due), send))
    assert warned == (send + timedelta(days=1) > d.add_months(due, -2))


@given(days, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=90))
def test_late_dispatch_holds_a_hamon_letter_iff_its_start_is_no_longer_reachable(planned, delay, spare):
    start = d.hamon_earliest_start(planned) + timedelta(days=spare)
    actual = planned + timedelta(days=delay)
    held = bool(d.late_dispatch_problems([], planned=planned, actual=actual, new_contract_start=start))
    assert held == (d.hamon_earliest_start(actual) > start)
