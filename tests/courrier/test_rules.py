"""The pure rules of the paper-mail service: hand-over date, changes, sheets, addresses."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from courrier import rules
from portal.businessdays import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
CAL = BusinessCalendar()


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def handover(moment: datetime, send_on: date | None = None) -> date:
    return rules.handover_date(validated_at=moment, send_on=send_on, calendar=CAL)


@pytest.mark.parametrize(("moment", "expected"), [
    (at(date(2026, 3, 2), 10, 29), date(2026, 3, 2)),  # Monday before 10:30: today
    (at(date(2026, 3, 2), 10, 30), date(2026, 3, 3)),  # at 10:30: next business day
    (at(date(2026, 3, 2), 0, 0), date(2026, 3, 2)),
    (at(date(2026, 3, 2), 23, 59), date(2026, 3, 3)),
    (at(date(2026, 3, 6), 10, 0), date(2026, 3, 6)),  # seed: a Friday at 10:00 → that day
    (at(date(2026, 3, 6), 11, 0), date(2026, 3, 9)),  # seed: the same Friday at 11:00 → Monday
    (at(date(2026, 3, 7), 9, 0), date(2026, 3, 9)),  # Saturday morning → Monday
    (at(date(2026, 3, 8), 9, 0), date(2026, 3, 9)),  # Sunday → Monday
])
def test_send_now_hand_over_date(moment, expected):
    assert handover(moment) == expected


@pytest.mark.parametrize(("moment", "expected"), [
    # 14 July 2026 is a Tuesday: the eve after 10:30 → Wednesday 15, the day itself → Wednesday 15
    (at(date(2026, 7, 13), 10, 29), date(2026, 7, 13)),
    (at(date(2026, 7, 13), 10, 30), date(2026, 7, 15)),
    (at(date(2026, 7, 14), 9, 0), date(2026, 7, 15)),
    # Ascension, Thursday 14 May 2026: Wednesday after 10:30 → Friday 15
    (at(date(2026, 5, 13), 10, 45), date(2026, 5, 15)),
    (at(date(2026, 5, 14), 8, 0), date(2026, 5, 15)),
    # Whit Monday, 25 May 2026: Friday 22 after 10:30 → Tuesday 26
    (at(date(2026, 5, 22), 10, 30), date(2026, 5, 26)),
    (at(date(2026, 5, 25), 10, 0), date(2026, 5, 26)),
    # 1 May 2026 is a Friday: Thursday 30 April after 10:30 → Monday 4 May
    (at(date(2026, 4, 30), 12, 0), date(2026, 5, 4)),
])
def test_holiday_eves(moment, expected):
    assert handover(moment) == expected


@pytest.mark.parametrize(("instant", "expected"), [
    # The same UTC instant is 10:29 in winter (UTC+1) and 11:29 in summer (UTC+2).
    (datetime(2026, 3, 27, 9, 29, tzinfo=UTC), date(2026, 3, 27)),  # Friday, CET: 10:29
    (datetime(2026, 3, 30, 9, 29, tzinfo=UTC), date(2026, 3, 31)),  # Monday after, CEST: 11:29
    (datetime(2026, 3, 30, 8, 29, tzinfo=UTC), date(2026, 3, 30)),  # CEST: 10:29
    (datetime(2026, 3, 29, 8, 0, tzinfo=UTC), date(2026, 3, 30)),  # the change day is a Sunday
    (datetime(2026, 10, 26, 9, 29, tzinfo=UTC), date(2026, 10, 26)),  # back to CET: 10:29
    (datetime(2026, 10, 23, 8, 30, tzinfo=UTC), date(2026, 10, 26)),  # Friday before, CEST: 10:30
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), date(2026, 10, 26)),  # 02:30 happens twice: Sunday
])
def test_daylight_saving_changes_count_in_paris_time(instant, expected):
    assert handover(instant.astimezone(PARIS)) == expected


def test_scheduled_date_is_the_hand_over_day_or_the_next_business_day():
    monday = at(date(2026, 3, 2), 15, 0)
    assert handover(monday, send_on=date(2026, 3, 3)) == date(2026, 3, 3)
    assert handover(monday, send_on=date(2026, 3, 7)) == date(2026, 3, 9)  # Saturday → Monday
    assert rules.handover_moved(send_on=date(2026, 3, 7), calendar=CAL)
    assert not rules.handover_moved(send_on=date(2026, 3, 3), calendar=CAL)
    assert handover(monday, send_on=date(2026, 7, 14)) == date(2026, 7, 15)
    # Before 10:30 the scheduled date still rules (never today)
    assert handover(at(date(2026, 3, 2), 8, 0), send_on=date(2026, 3, 4)) == date(2026, 3, 4)


def test_scheduling_starts_tomorrow():
    today = date(2026, 3, 2)
    assert rules.send_on_error(send_on=today, today=today)
    assert rules.send_on_error(send_on=today - timedelta(days=1), today=today)
    assert rules.send_on_error(send_on=today + timedelta(days=1), today=today) is None
    assert rules.send_on_error(send_on=today + timedelta(days=366), today=today)


def test_changes_until_the_eve_and_never_after_send_now():
    send_on = date(2026, 3, 10)
    assert rules.may_change(send_on=send_on, today=date(2026, 3, 9))
    assert not rules.may_change(send_on=send_on, today=send_on)
    assert not rules.may_change(send_on=send_on, today=date(2026, 3, 11))
    assert not rules.may_change(send_on=None, today=date(2026, 3, 1))


def test_the_hand_over_job_takes_today_only_after_10_30_and_nothing_on_holidays():
    monday = date(2026, 3, 2)
    assert rules.handover_due_through(now=at(monday, 10, 29), calendar=CAL) == date(2026, 3, 1)
    assert rules.handover_due_through(now=at(monday, 10, 30), calendar=CAL) == monday
    assert rules.handover_due_through(now=at(date(2026, 7, 14), 10, 30), calendar=CAL) is None
    assert rules.handover_due_through(now=at(date(2026, 3, 7), 10, 30), calendar=CAL) is None


@pytest.mark.parametrize(("pages", "duplex", "address_page", "expected"), [
    ([1], True, False, 1),
    ([1], False, False, 1),
    ([2], True, False, 1),
    ([2], False, False, 2),
    ([3], True, True, 3),  # ⌈3/2⌉ + address page
    ([3, 1], True, False, 3),  # each document starts on a new sheet: 2 + 1
    ([3, 1], False, True, 5),
    ([5, 4, 1], True, True, 3 + 2 + 1 + 1),
])
def test_sheets(pages, duplex, address_page, expected):
    assert rules.sheets_count(pages=pages, duplex=duplex, address_page=address_page) == expected


def test_at_most_95_sheets():
    assert rules.sheets_error(95) is None
    assert "95" in rules.sheets_error(96)
    assert rules.sheets_count(pages=[190], duplex=True, address_page=False) == 95
    assert rules.sheets_count(pages=[190], duplex=True, address_page=True) == 96


def test_staple_each_document_of_three_pages_or_more_on_its_own():
    assert rules.stapled(pages=[1, 3, 2, 7], staple=True) == [False, True, False, True]
    assert rules.stapled(pages=[3], staple=False) == [False]
    # duplex, address page (1 page + blank back), documents of 3 (+blank), 2, 4 pages
    assert rules.staple_ranges(pages=[3, 2, 4], duplex=True, address_page=True, staple=True) == [(3, 5), (9, 12)]
    assert rules.staple_ranges(pages=[3, 2, 4], duplex=False, address_page=False, staple=True) == [(1, 3), (6, 9)]


def test_address_page_for_typed_recipients_and_always_for_tracked_modes():
    assert not rules.uses_address_page(mode="lettre_verte", recipient_from_document=True)
    assert rules.uses_address_page(mode="ecopli", recipient_from_document=False)
    for mode in ("lettre_suivie", "recommande", "recommande_ar"):
        assert rules.uses_address_page(mode=mode, recipient_from_document=True)


def test_delivery_promises():
    assert rules.DELIVERY_PROMISE[rules.Mode.ECOPLI] == "J+4"
    assert rules.DELIVERY_PROMISE[rules.Mode.LETTRE_VERTE] == "J+2"
    assert {rules.DELIVERY_PROMISE[m] for m in rules.TRACKED_MODES} == {"48 heures"}
    assert rules.delivery_expected(handover=date(2026, 3, 6), mode="ecopli", calendar=CAL) == date(2026, 3, 12)


def address(**changes):
    data = {"name": "SARL DUPOND", "address_lines": ("1 rue des Fleurs",), "postal_code": "38000",
            "city": "Grenoble"}
    return rules.AddressInput(**{**data, **changes})


def test_addresses():
    assert rules.address_errors(address()) == {}
    assert "name" in rules.address_errors(address(name=" "))
    assert "address_lines" in rules.address_errors(address(address_lines=()))
    assert "address_lines" in rules.address_errors(address(address_lines=("a", "b", "c", "d", "e")))
    assert "ligne 2" in rules.address_errors(address(address_lines=("ok", "x" * 39)))["address_lines"]
    assert rules.address_errors(address(address_lines=("x" * 38,) * 4)) == {}
    assert "postal_code" in rules.address_errors(address(postal_code="3800"))
    assert "postal_code" in rules.address_errors(address(postal_code="38 000"))
    assert "city" in rules.address_errors(address(city=""))
    clean = rules.address_normalised(address(name="  SARL   DUPOND ", address_lines=("", " 1  rue ", ""),
                                             city="  saint  martin d'hères"))
    assert clean == rules.AddressInput("SARL DUPOND", ("1 rue",), "38000", "SAINT MARTIN D'HÈRES")


def test_the_rules_module_imports_no_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(rules))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name.startswith(("django", "portal", "courrier")) for name in imported)


def test_tracking_link():
    assert rules.tracking_url("1A01234567890") == \
        "https://www.laposte.fr/outils/suivre-vos-envois?code=1A01234567890"
