"""What keeps the cycle amiable fast at scale (see ``benchmarks/bench_amiable.py``): render
messages queued once per commit in batches, and the page sorted and paged on ids."""

from datetime import date

import pytest

from amiable import cycle, selectors, tasks
from amiable.models import Case, Letter, Stage
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


@pytest.fixture
def portfolio(emission, org, admin_user, accounting_user, contacts, pay):
    """A broker's cases at every step, built through the import, the daily runs and the services.

    Read on Tuesday 24/02/2026 without that day's run: the cases opened on 16/02 have passed
    the end of their window (23/02) and wait for their formal notice (planned 24/02) — nothing
    stored changed when their window closed —, those opened on 17/02 can still be answered."""
    from amiable import services
    from portal import clock

    for index in range(14):
        emission(reference=f"EM-{index}", policy_number=f"P-{index:02d}", member_number=f"M-{index % 5}",
                 company_name=f"SOCIÉTÉ {index % 3}", broker=org, broker_manages=index % 3 != 2,
                 due_date=date(2026, 2, 2 + index % 3))
    for day in (DEFAULT, date(2026, 2, 16), date(2026, 2, 17)):
        cycle.amiable_tick(today=day, calendar=CAL)
    cases = {case.premium_call.reference: case for case in Case.objects.select_related("premium_call", "policy")}
    services.case_answer(case=cases["EM-3"], by=admin_user, requested=False, today=date(2026, 2, 13), calendar=CAL)
    for reference, day in (("EM-6", date(2026, 2, 13)), ("EM-4", date(2026, 2, 17))):
        services.case_answer(case=cases[reference], by=admin_user, requested=True, reason="awaiting_funds",
                             today=day, calendar=CAL)
    services.extension_decide(extension=cases["EM-6"].extension, by=accounting_user, approved=True, note="",
                              today=date(2026, 2, 18), now=clock.local_now(), calendar=CAL)
    for reference in ("EM-0", "EM-1", "EM-5", "EM-13"):
        services.letter_acknowledge(letter=Letter.objects.get(case=cases[reference]), by=admin_user,
                                    now=clock.local_now())
    pay(cases["EM-9"], "1000.00", date(2026, 2, 18))  # in full before the formal notice: closed
    cycle.amiable_tick(today=date(2026, 2, 20), calendar=CAL)  # formal notices of the cases opened on 12/02
    pay(cases["EM-0"], "1000.00", date(2026, 2, 23))  # after it: reinstated, a letter to read
    pay(cases["EM-12"], "400.00", date(2026, 2, 23))  # partly
    cycle.payments_settle(today=date(2026, 2, 23))
    return Case.objects.count()


READ_ON = date(2026, 2, 24)


def expected_order(sort: str, *, pending: bool) -> list[int]:
    """The rows as SPEC §4 describes them, computed here from the cases, their policies and
    their letters — not from what the page stores to sort them."""
    from amiable import rules

    def rank(case) -> int:
        if (case.stage == Stage.OPEN and case.broker_manages and not case.answer
                and rules.can_answer(reminder_date=case.reminder_date, window_end=case.response_deadline,
                                     today=READ_ON)):
            return 0
        if any(letter.needs_acknowledgement and letter.acknowledged_at is None for letter in case.letters.all()):
            return 1
        return {Stage.OPEN: 2, Stage.FORMAL_NOTICE: 3, Stage.SUSPENDED: 3, Stage.TERMINATED: 4}.get(case.stage, 5)

    def latest_letter(case) -> date:
        return max(letter.letter_date for letter in case.letters.all())

    def notice(case):
        day = case.formal_notice_date or case.formal_notice_planned
        return (day is None, day or date.min)

    keys = {
        "member": lambda case: (case.policy.member.member_number,),
        "company": lambda case: (case.policy.member.company_name, case.policy.member.member_number,
                                 case.policy.member_id),
        "policy": lambda case: (case.policy.number,),
        "event": lambda case: (case.stage,),
        "letter_date": lambda case: (latest_letter(case),),
        "notice_date": notice,
        "status": lambda case: (rank(case), case.response_deadline, -latest_letter(case).toordinal()),
    }
    key = keys[sort.lstrip("-")]
    cases = Case.objects.select_related("policy__member").prefetch_related("letters")
    rows = sorted(cases, key=lambda case: (*key(case), case.id), reverse=sort.startswith("-"))
    return [case.id for case in rows if not pending or rank(case) <= 1]


@pytest.mark.parametrize("pending", [False, True], ids=["all", "pending"])
@pytest.mark.parametrize("sort", [*selectors.SORTS, *[f"-{key}" for key in selectors.SORTS]])
def test_each_sort_pages_the_rows_in_the_order_of_the_timeline(portfolio, admin_user, sort, pending):
    expected = expected_order(sort, pending=pending)
    assert 4 <= len(expected) <= portfolio
    rows = selectors.case_rows_for(user=admin_user, today=READ_ON, calendar=CAL, sort=sort, pending_only=pending)
    assert rows.count() == len(expected)
    assert [row.id for row in rows.all()] == expected  # the export's one statement
    for start in range(0, len(expected) + 4, 4):  # the pages, one statement each
        assert [row.id for row in rows[start : start + 4]] == expected[start : start + 4]


def test_a_closed_window_moves_its_cases_out_of_the_actions_without_a_run(portfolio, admin_user):
    """The window of the cases opened on 16/02 closed on 23/02: on 24/02 they are no action of
    the broker's any more (unless a letter waits), though no run has written anything since."""
    opened_16 = set(Case.objects.filter(reminder_date=date(2026, 2, 16), broker_manages=True, answer="",
                                        letter_unread=False).values_list("id", flat=True))
    assert opened_16
    for day, shown in ((date(2026, 2, 23), True), (READ_ON, False)):
        rows = selectors.case_rows_for(user=admin_user, today=day, calendar=CAL, pending_only=True)
        assert opened_16 <= {row.id for row in rows[0:50]} if shown else not opened_16 & {row.id for row in rows[0:50]}


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

    row = selectors.case_rows_for(user=admin_user, today=DEFAULT, calendar=CAL)[0]
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


def case_rows_read(queries) -> int:
    """Rows PostgreSQL reads from the cases table to answer ``queries`` (their plans, run), but
    for the counts (an index-only scan of the user's cases: the one read that grows with them)."""
    from django.db import connection

    def rows(node) -> int:
        own = node.get("Actual Rows", 0) * node.get("Actual Loops", 1) if node.get("Relation Name") == "amiable_case" else 0
        return own + sum(rows(child) for child in node.get("Plans", []))

    total = 0
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if "amiable_case" not in sql or not sql.startswith("SELECT") or sql.startswith("SELECT COUNT(*)"):
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else __import__("json").loads(plan)[0]
            total += rows(plan["Plan"])
    return total


@pytest.mark.postgres
@pytest.mark.parametrize("query", [{}, {"pending": "1"}, {"sort": "-policy"}, {"sort": "company"},
                                   {"sort": "-notice_date"}, {"page": "3"}, {"pending": "1", "sort": "-status"}],
                         ids=["default", "pending", "policy-descending", "company", "notice-date-descending",
                              "page-3", "pending-status-descending"])
def test_a_page_reads_its_rows_from_an_index_not_the_whole_portfolio(org, admin_user, contacts, client_for,
                                                                     set_today, query):
    """600 cases: a page reads the rows it shows and those of the pages before (walking one
    index in order), not every case of the broker to sort them. (On a table this small a
    sequential scan costs the planner less than an index: it is turned off, so that the plans
    are those of a portfolio of thousands — ``benchmarks/bench_amiable.py`` runs them there.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from amiable.selectors import CLIENT_CHOICES
    from amiable.views import PAGE_SIZE
    from tests.amiable.test_views import portfolio_of

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's plans")
    portfolio_of(org, policies=600)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE amiable_case")
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test's transaction only
    set_today(date(2026, 2, 13))
    client = client_for(admin_user)
    client.get(reverse("amiable:cases"), query)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("amiable:cases"), query).status_code == 200
    pages = int(query.get("page", 1))
    assert case_rows_read(queries.captured_queries) <= PAGE_SIZE * (pages + 1) + 2 * CLIENT_CHOICES
