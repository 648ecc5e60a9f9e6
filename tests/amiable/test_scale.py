"""What keeps the cycle amiable fast at scale (see ``benchmarks/bench_amiable.py``): render
messages queued once per commit in batches, and the page sorted and paged on ids."""

from datetime import date

import pytest

from amiable import cycle, selectors, tasks
from amiable.models import Letter
from tests.amiable.conftest import CAL, DEFAULT

NOTICE = date(2026, 2, 20)


@pytest.fixture
def queued(monkeypatch):
    """The render messages the run sends (the broker itself is not under test)."""
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks.letters_render_task, "delay", lambda ids: sent.append(list(ids)))
    return sent


def test_each_letter_without_pdf_is_queued_once_after_commit_in_batches(
    make_case, pay, queued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(cycle, "LETTERS_PER_TASK", 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # one transaction, then commit
        paid = make_case()
        make_case(reference="EM-2", policy_number="P-2", member_number="M-2")
        make_case(reference="EM-3", policy_number="P-3", member_number="M-3")
        cycle.amiable_tick(today=NOTICE, calendar=CAL)
        pay(paid, "1000.00", date(2026, 2, 23))
        # This run reinstates a policy (payments) and would queue from two places.
        report = cycle.amiable_tick(today=date(2026, 2, 23), calendar=CAL)
        assert queued == []  # nothing before the commit
    assert report.counts["remises en vigueur"] == 1
    assert len(callbacks) == 1
    pending = list(Letter.objects.filter(document__isnull=True).order_by("id").values_list("id", flat=True))
    assert len(pending) == 7  # 3 reminders, 3 formal notices, 1 reinstatement
    assert queued == [pending[i : i + 2] for i in range(0, 7, 2)]


@pytest.mark.parametrize("sort", [*selectors.SORTS, *[f"-{key}" for key in selectors.SORTS]])
def test_paging_on_ids_shows_the_rows_of_the_full_query(emission, org, admin_user, contacts, sort):
    for index in range(12):
        emission(reference=f"EM-{index}", policy_number=f"P-{index:02d}", member_number=f"M-{index % 5}",
                 company_name=f"SOCIÉTÉ {index % 3}", broker=org, broker_manages=index % 2 == 0,
                 due_date=date(2026, 2, 2 + index % 3))
    for day in (DEFAULT, date(2026, 2, 16), date(2026, 2, 17)):
        cycle.amiable_tick(today=day, calendar=CAL)
    rows = selectors.case_rows_for(user=admin_user, today=date(2026, 2, 18), calendar=CAL, sort=sort)
    paged = selectors.RowsById(rows)
    assert paged.count() == 12
    for window in (slice(0, 5), slice(5, 10), slice(10, 15)):
        expected = [(row.id, row.status_label, row.letter_date, row.policy.member.company_name)
                    for row in rows[window]]
        assert [(row.id, row.status_label, row.letter_date, row.policy.member.company_name)
                for row in paged[window]] == expected


def test_ids_past_999_are_written_without_thousands_separator(emission, org, tick, admin_user, client_for, contacts,
                                                               set_today):
    """French number formatting must not reach ids: "12 345" breaks the client filter, the
    htmx targets and the admin's bulk actions once a table passes 999 rows."""
    from django.template.loader import render_to_string

    from portal.models import Member

    Member.objects.create(id=12345, member_number="M-1", company_name="GRANDE SOCIÉTÉ")  # a 5-digit id
    emission(company_name="GRANDE SOCIÉTÉ", broker=org)
    emission(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="AUTRE", broker=org)
    tick(DEFAULT)
    set_today(DEFAULT)
    client = client_for(admin_user)
    page = client.get("/amiable/").content.decode()
    assert '<option value="12345"' in page
    filtered = client.get("/amiable/", {"client": "12345"}).content.decode()
    rows = filtered[filtered.index("<tbody>"):filtered.index("</tbody>")]
    assert "GRANDE SOCIÉTÉ" in rows and "AUTRE" not in rows

    row = selectors.case_rows_for(user=admin_user, today=DEFAULT, calendar=CAL).first()
    letter = Letter.objects.filter(case_id=row.id).first()
    row.id = letter.case_id = row.policy_id = letter.id = 12345  # in memory: only the rendering is under test
    html = (render_to_string("amiable/cases.html#row", {"row": row, "can_act": True})
            + render_to_string("amiable/answer.html#dialog", {"case": row, "form": None})
            + render_to_string("amiable/acknowledge.html#dialog", {"letter": letter}))
    assert 'id="case-12345"' in html and html.count("#case-12345") == 2 and "12\u202f345" not in html


@pytest.mark.django_db(transaction=True)  # each run commits: its messages go out then
def test_a_letter_whose_render_message_was_lost_is_queued_again_by_a_later_run(make_case, queued):
    from datetime import timedelta

    from django.utils import timezone

    case = make_case()
    reminder = Letter.objects.get(case=case)
    assert queued == [[reminder.id]]  # sent once the run committed… and lost by the broker
    cycle.amiable_tick(today=date(2026, 2, 17), calendar=CAL)
    assert queued == [[reminder.id]]  # just issued: maybe still waiting in the queue, not sent twice
    Letter.objects.filter(id=reminder.id).update(created_at=timezone.now() - cycle.RENDER_LOST_AFTER
                                                 - timedelta(minutes=1))
    cycle.amiable_tick(today=date(2026, 2, 18), calendar=CAL)
    assert queued == [[reminder.id], [reminder.id]]
