"""Cycle amiable at scale (issue 3, "Proof expected"), on PostgreSQL only.

``DATABASE_URL=postgres://postgres@127.0.0.1:5432/amiable_bench .venv/bin/python -m benchmarks amiable``

Data, written set-based (``generate_series``) in a few seconds: 40 organisations (one broker
with 20 000 policies, one with 100 and the same mix of cases), 100 000 members, 500 000 policies each with a premium call paid in full
(and its payment), 150 000 closed cases of an earlier cycle with their acknowledged reminder,
then two batches of unpaid premium calls: 5 000 (batch S) and 50 000 (batch L, 10 000 of them
on the big broker's policies). Each batch is run through the real daily run on two days: the
day its calls are in default (a case, 2 events and a reminder letter per call, and the news for
the digests) and the day its formal notices are due (state change, event and letter per case,
and the news). The news of a step is one row per kind of party listing the policies: the
brokers, members, contacts and lines are resolved when the 07:00 digest goes out.

Figures, each beside a limit measured in the same run:
1. the daily run on the day 50 000 cases move, against one set-based UPDATE of the same rows
   (target <= 5x), and its query count for 5 000 and 50 000 cases (must not grow);
2. letter rendering through the Celery task body against WeasyPrint alone on the same HTML
   (target <= 1.2x), and proof that rendering refuses to run inside a transaction;
3. the CSV export of 200 000 rows against PostgreSQL's own COPY of the same statement
   (target >= 1/2 of COPY's rows/s) and its peak Python memory for 50 000 vs 200 000 rows;
4. the page "Gérer le cycle amiable" (default view, "Actions en attente", a sort, page 50) and
   the API list: median server time for the broker with 20 000 policies (target <= 50 ms) and
   against the broker with 100 policies measured in the same run (target ratio <= 1.5), and
   their query counts (equal);
5. the 07:00 digest after these days (the news resolved into e-mails), for scale.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from django.db import connection, reset_queries, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

POLICIES = 500_000
MEMBERS = 100_000  # 5 policies each
ORGANISATIONS = 40
BIG_BROKER_POLICIES = 20_000  # policies 1..20 000 belong to organisation 1
SMALL_BROKER_POLICIES = 100  # policies 20 001..20 100 to organisation 2: the same mix, 200 times fewer
BROKERS_POLICIES = BIG_BROKER_POLICIES + SMALL_BROKER_POLICIES
HISTORY_CASES = 150_000  # policies 1..150 000 had a closed case on their paid call
SMALL_BATCH = 5_000  # policies with i % 100 = 7
LARGE_BATCH = 50_000  # even policies of the two brokers + others with i % 12 = 1
EXPORT_ROWS = 200_000
LETTERS = 50
PAGE_REQUESTS = 20
PAGE_TARGET_MS = 50
PAGE_TARGET_RATIO = 1.5
EARLIER_DUE = date(2026, 1, 5)


def run(report) -> None:
    if connection.vendor != "postgresql":
        print("- skipped: the cycle amiable benchmark needs PostgreSQL "
              "(DATABASE_URL=postgres://postgres@127.0.0.1:5432/amiable_bench make bench)")
        return
    from portal import clock

    calendar = clock.business_calendar()
    days = _timeline(calendar)
    media = tempfile.mkdtemp(prefix="bench-amiable-media-")
    with override_settings(MEDIA_ROOT=media), _bench_broker() as broker:
        try:
            started = time.perf_counter()
            ids = _generate(days)
            report("data generated set-based (500 000 policies, 555 000 premium calls, 150 000 closed cases)",
                   time.perf_counter() - started, "s")
            small_open = _tick(days["open_small"], calendar, broker)
            assert small_open[2].counts["dossiers ouverts"] == SMALL_BATCH, small_open[2]
            small_notice = _tick(days["notice_small"], calendar, broker)
            assert small_notice[2].counts["mises en demeure"] == SMALL_BATCH, small_notice[2]
            _opening_run(report, days=days, calendar=calendar, broker=broker, small=small_open)
            _page(report, ids=ids, today=calendar.add_business_days(days["open_large"], 1))
            _formal_notice_run(report, days=days, calendar=calendar, broker=broker, small=small_notice)
            _letters(report)
            _export(report, today=days["notice_large"], calendar=calendar)
            _digests(report, today=days["notice_large"])
        finally:
            shutil.rmtree(media, ignore_errors=True)


# ------------------------------------------------------------------------------------ dates


def _timeline(calendar) -> dict[str, date]:
    """Due dates of the two batches, the day each is in default, the day of its formal notice."""
    from amiable import rules

    def steps(due: date) -> tuple[date, date]:
        opened = rules.default_date(due_date=due, calendar=calendar)
        window_end = rules.response_deadline(reminder_date=opened, calendar=calendar)
        return opened, rules.formal_notice_date(window_end=window_end, calendar=calendar)

    due_small = date(2026, 3, 2)
    open_small, notice_small = steps(due_small)
    due_large = notice_small  # in default 8 business days after the small batch's formal notices
    open_large, notice_large = steps(due_large)
    days = {"due_small": due_small, "open_small": open_small, "notice_small": notice_small,
            "due_large": due_large, "open_large": open_large, "notice_large": notice_large}
    # Each run moves exactly one batch: nothing else falls due in between.
    assert rules.latest_due_date_in_default(today=notice_small, calendar=calendar) < due_large
    assert rules.suspension_date(formal_notice_date=notice_small, calendar=calendar) > notice_large
    return days


# ------------------------------------------------------------------------------- generation


def _sql(statement: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or None)
        return cursor.rowcount


def _base(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _generate(days: dict[str, date]) -> dict:
    """Everything in a handful of INSERT … SELECT FROM generate_series (ids computed, not looked up)."""
    from portal import services
    from portal.models import Role

    org, member, policy = _base("portal_organisation"), _base("portal_member"), _base("portal_policy")
    call, case, doc = _base("portal_premiumcall"), _base("amiable_case"), _base("portal_storeddocument")
    broker_of = f"""CASE WHEN i <= {BIG_BROKER_POLICIES} THEN {org} + 1
                         WHEN i <= {BIG_BROKER_POLICIES + SMALL_BROKER_POLICIES} THEN {org} + 2
                         WHEN i <= 400000 THEN {org} + 3 + mod(i, {ORGANISATIONS - 2}) END"""
    manages = "(i <= 400000 AND mod(i, 10) < 6)"
    with transaction.atomic():
        _sql(f"""
            INSERT INTO portal_organisation (id, address_line1, address_line2, postal_code, city, name, trade_name,
                   orias, affiliation, siren, phone, mobile_phone, email, letter_header, is_active, created_at)
            SELECT {org} + k, k || ' avenue du Bench', '', '38000', 'Grenoble', 'Cabinet Bench ' || k || ' SAS',
                   'Cabinet Bench ' || k, '09' || lpad(k::text, 6, '0'), 'broker', '', '', '', '', '', true, now()
            FROM generate_series(1, {ORGANISATIONS}) k""")
        _sql(f"""
            INSERT INTO portal_contact (name, email, phone, is_accounting, member_id, organisation_id)
            SELECT 'Comptabilité ' || n, 'compta' || n || '@cabinet' || k || '.test', '', n < 3, NULL, {org} + k
            FROM generate_series(1, {ORGANISATIONS}) k, generate_series(1, 3) n""")
        _sql(f"""
            INSERT INTO portal_member (id, address_line1, address_line2, postal_code, city, member_number,
                   company_name, siren, siret, created_at, updated_at)
            SELECT {member} + j, j || ' rue des Sociétaires', '', '69000', 'Lyon', 'S' || lpad(j::text, 7, '0'),
                   CASE WHEN mod(j, 1000) = 0 THEN '=Formule ' ELSE 'Société ' END || j || ' SARL', '', '', now(), now()
            FROM generate_series(1, {MEMBERS}) j""")
        _sql(f"""
            INSERT INTO portal_contact (name, email, phone, is_accounting, member_id, organisation_id)
            SELECT '', CASE WHEN n = 1 THEN 'compta' ELSE 'direction' END || '@societe' || j || '.test', '',
                   n = 1, {member} + j, NULL
            FROM generate_series(1, {MEMBERS}) j, generate_series(1, 2) n""")
        _sql(f"""
            INSERT INTO portal_policy (id, number, broker_manages, status, created_at, updated_at, broker_id,
                   member_id)
            SELECT {policy} + i, 'P' || lpad(i::text, 8, '0'), {manages}, 'active', now(), now(), {broker_of},
                   {member} + (i - 1) / 5 + 1
            FROM generate_series(1, {POLICIES}) i""")
        # One premium call per policy, paid in full on its due date, and its payment.
        _sql(f"""
            INSERT INTO portal_premiumcall (id, reference, due_date, amount, paid_amount, created_at, updated_at,
                   policy_id)
            SELECT {call} + i, 'E' || lpad(i::text, 8, '0') || '-1', %s, 100 + mod(i, 900) + 0.50,
                   100 + mod(i, 900) + 0.50, now(), now(), {policy} + i
            FROM generate_series(1, {POLICIES}) i""", [EARLIER_DUE])
        _sql(f"""
            INSERT INTO portal_payment (amount, paid_on, reference, created_at, premium_call_id)
            SELECT 100 + mod(i, 900) + 0.50, %s, 'VIR' || lpad(i::text, 8, '0'), now(), {call} + i
            FROM generate_series(1, {POLICIES}) i""",
             [EARLIER_DUE + timedelta(days=12)])
        # An earlier cycle: 150 000 cases closed after their reminder (read, PDF rendered).
        reminder = date(2026, 1, 19)
        _sql(f"""
            INSERT INTO amiable_case (id, broker_manages, stage, opened_on, reminder_date, response_deadline, answer,
                   formal_notice_planned, closed_on, manual_follow_up, manual_follow_up_note, created_at,
                   updated_at, policy_id, premium_call_id, broker_id, member_id, policy_number, member_number,
                   company_name, letter_date, letter_unread)
            SELECT {case} + i, {manages}, 'closed', %s, %s, %s, '', %s, %s, false, '', now(), now(), {policy} + i,
                   {call} + i, p.broker_id, p.member_id, p.number, mb.member_number, mb.company_name, %s, false
            FROM generate_series(1, {HISTORY_CASES}) i JOIN portal_policy p ON p.id = {policy} + i
                JOIN portal_member mb ON mb.id = p.member_id""",
             [reminder, reminder, reminder + timedelta(days=7), reminder + timedelta(days=8),
              EARLIER_DUE + timedelta(days=12), reminder])
        _sql(f"""
            INSERT INTO portal_storeddocument (id, file, original_name, content_type, size, sha256, created_at)
            SELECT {doc} + i, 'documents/bench/reminder-' || i || '.pdf', 'reminder-' || i || '.pdf',
                   'application/pdf', 30000, md5(i::text) || md5(i::text), now()
            FROM generate_series(1, {HISTORY_CASES}) i""")
        _sql(f"""
            INSERT INTO amiable_letter (kind, letter_date, amount_due, acknowledged_at, created_at, case_id,
                   document_id, insurer_name, insurer_address, member_number, member_name, member_address,
                   policy_number, premium_call_reference, premium_call_due_date, premium_call_amount,
                   broker_manages, reminder_date, broker_orias, broker_name, broker_signature_name, broker_address)
            SELECT 'reminder', %s, pc.amount, now(), now(), {case} + i, {doc} + i, 'L''Auxiliaire',
                   '50 cours Franklin Roosevelt' || chr(10) || '69006 Lyon', mb.member_number, mb.company_name,
                   mb.address_line1 || chr(10) || mb.postal_code || ' ' || mb.city, p.number, pc.reference,
                   pc.due_date, pc.amount, p.broker_manages, %s, COALESCE(o.orias, ''), COALESCE(o.name, ''),
                   COALESCE(NULLIF(o.trade_name, ''), o.name, ''),
                   COALESCE(o.address_line1 || chr(10) || o.postal_code || ' ' || o.city, '')
            FROM generate_series(1, {HISTORY_CASES}) i JOIN portal_premiumcall pc ON pc.id = {call} + i
                JOIN portal_policy p ON p.id = pc.policy_id JOIN portal_member mb ON mb.id = p.member_id
                LEFT JOIN portal_organisation o ON o.id = p.broker_id""", [reminder, reminder])
        for table in ("portal_organisation", "portal_member", "portal_policy", "portal_premiumcall",
                      "amiable_case", "portal_storeddocument"):
            _reset_sequence(table)
        # The two batches of unpaid premium calls (a quarter of them partly paid).
        for suffix, due, where in (
            ("S", days["due_small"], "mod(i, 100) = 7"),
            # The two brokers' even policies (10 050), and 39 950 others.
            ("L", days["due_large"], f"(i <= {BROKERS_POLICIES} AND mod(i, 2) = 0) "
                                     f"OR (i > {BROKERS_POLICIES} AND i < 499500 AND mod(i, 12) = 1)"),
        ):
            _sql(f"""
                INSERT INTO portal_premiumcall (reference, due_date, amount, paid_amount, created_at, updated_at,
                       policy_id)
                SELECT 'E' || lpad(i::text, 8, '0') || '-{suffix}', %s, 200 + mod(i, 700) + 0.25,
                       CASE WHEN mod(i, 4) = 0 THEN 50 ELSE 0 END, now(), now(), {policy} + i
                FROM generate_series(1, {POLICIES}) i WHERE {where}""", [due])
        from portal.models import Organisation

        big, small = Organisation.objects.get(id=org + 1), Organisation.objects.get(id=org + 2)
        admin = services.user_create(email="admin@bench.test", password=None, role=Role.ADMINISTRATOR,
                                     organisation=big, first_name="Ada", last_name="Bench")
        small_admin = services.user_create(email="petit@bench.test", password=None, role=Role.ADMINISTRATOR,
                                           organisation=small, first_name="Paul", last_name="Petit")
        accounting = services.user_create(email="compta@bench.test", password=None, role=Role.ACCOUNTING)
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT reference LIKE '%%-S', count(*) FROM portal_premiumcall "
                       "WHERE amount > paid_amount GROUP BY 1")
        counts = {("small" if small else "large"): n for small, n in cursor.fetchall()}
    assert counts == {"small": SMALL_BATCH, "large": LARGE_BATCH}, counts
    _sql("VACUUM ANALYZE")
    return {"admin": admin, "small_admin": small_admin, "accounting": accounting}


# -------------------------------------------------------------------------------- daily run


@contextlib.contextmanager
def _bench_broker():
    """Messages of this run go to a queue of their own (a temporary folder when there is no
    Redis), counted and timed, then thrown away: no worker renders them."""
    from amiable.tasks import letters_render_task
    from portal.celery import app

    folder = tempfile.mkdtemp(prefix="bench-amiable-queue-")
    queue = "bench-amiable"
    old = dict(app.conf.broker_transport_options or {}), app.conf.task_default_queue
    if not app.conf.broker_url or app.conf.broker_url.startswith("filesystem"):
        app.conf.broker_transport_options = {"data_folder_in": folder, "data_folder_out": folder,
                                             "control_folder": folder, "store_processed": False}
    app.conf.task_default_queue = queue
    stats = {"messages": 0, "seconds": 0.0, "in_transaction": 0}
    original = letters_render_task.delay

    def delay(*args, **kwargs):
        started = time.perf_counter()
        stats["messages"] += 1
        stats["in_transaction"] += connection.in_atomic_block
        try:
            return original(*args, **kwargs)
        finally:
            stats["seconds"] += time.perf_counter() - started

    letters_render_task.delay = delay
    try:
        yield stats
    finally:
        del letters_render_task.delay
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
        app.conf.broker_transport_options, app.conf.task_default_queue = old
        shutil.rmtree(folder, ignore_errors=True)


def _tick(today: date, calendar, broker: dict) -> tuple[float, int, object, dict]:
    from amiable.cycle import amiable_tick

    broker.update(messages=0, seconds=0.0, in_transaction=0, slowest=[])
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = amiable_tick(today=today, calendar=calendar)
        elapsed = time.perf_counter() - started
    broker["slowest"] = sorted(queries.captured_queries, key=lambda query: -float(query["time"]))[:6]
    return elapsed, len(queries), result, dict(broker)


def _where_the_time_goes(sent: dict) -> None:
    print("  slowest statements of the run:")
    for query in sent["slowest"]:
        words = query["sql"].split()
        target = next((words[i + 1] for i, word in enumerate(words[:-1]) if word in ("INTO", "UPDATE")), "")
        print(f"    {float(query['time']):6.2f} s  {words[0]} {target}".rstrip())


def _update_baseline(statement: str, ids: list[int], table: str, rounds: int = 3) -> float:
    """Median time of one set-based UPDATE of the same rows, committed — as the daily run is
    timed with its own COMMIT — the table vacuumed between rounds. It only touches
    ``updated_at``, which the run overwrites anyway."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        with transaction.atomic():
            updated = _sql(statement, [ids])
        timings.append(time.perf_counter() - started)
        assert updated == len(ids), (updated, len(ids))
        _sql(f"VACUUM ANALYZE {table}")
    return statistics.median(timings)


def _ids(statement: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [row[0] for row in cursor.fetchall()]


def _opening_run(report, *, days, calendar, broker, small) -> None:
    """The day 50 000 premium calls are in default: cases, reminders, news for the digests."""
    small_seconds, small_queries, _, _ = small
    calls = _ids("SELECT id FROM portal_premiumcall WHERE reference LIKE %s", ["%-L"])
    limit = _update_baseline("UPDATE portal_premiumcall SET updated_at = now() WHERE id = ANY(%s)", calls,
                             "portal_premiumcall")
    seconds, queries, result, sent = _tick(days["open_large"], calendar, broker)
    assert result.counts["dossiers ouverts"] == LARGE_BATCH, result
    print(f"  day {days['open_large']:%d/%m/%Y}: {result}")
    report("daily run opening 50 000 cases (case + 2 events + reminder letter each, news)", seconds, "s",
           limit, "one committed UPDATE of the 50 000 premium calls")
    _where_the_time_goes(sent)
    report("  of which enqueueing the PDF renderings after commit", sent["seconds"], "s", seconds, "the run")
    report("  render messages sent to the broker", sent["messages"], "messages")
    report("queries of the run opening 5 000 cases", small_queries, "queries")
    report("queries of the run opening 50 000 cases", queries, "queries", small_queries, "5 000 cases")
    report("  (run opening 5 000 cases, for scale)", small_seconds, "s")


def _formal_notice_run(report, *, days, calendar, broker, small) -> None:
    """The day 50 000 open cases (money still due, no answer) get their formal notice."""
    from portal.models import StoredDocument

    small_seconds, small_queries, _, _ = small
    cases = _ids("SELECT id FROM amiable_case WHERE stage = 'open' AND formal_notice_planned = %s",
                 [days["notice_large"]])
    assert len(cases) == LARGE_BATCH
    limit = _update_baseline("UPDATE amiable_case SET updated_at = now() WHERE id = ANY(%s)", cases,
                             "amiable_case")
    documents = StoredDocument.objects.count()
    seconds, queries, result, sent = _tick(days["notice_large"], calendar, broker)
    assert result.counts["mises en demeure"] == LARGE_BATCH, result
    print(f"  day {days['notice_large']:%d/%m/%Y}: {result}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM amiable_letter WHERE kind = 'formal_notice' AND letter_date = %s),"
                       " (SELECT count(*) FROM amiable_event WHERE type = 'formal_notice' AND date = %s),"
                       " (SELECT sum(jsonb_array_length(policies)) FROM portal_digestitem"
                       "  WHERE kind = 'amiable_formal_notice'"
                       "  AND business_date = %s)", [days["notice_large"]] * 3)
        letters, events, digest = cursor.fetchone()
    print(f"  written: {letters} formal notices, {events} events, news rows listing {digest} policies "
          "(for their brokers, and for their members when the broker does not manage them); "
          f"PDFs rendered during the run: {StoredDocument.objects.count() - documents}")
    report("daily run issuing 50 000 formal notices (state + event + letter each, news)", seconds, "s", limit,
           "one committed UPDATE of the same 50 000 cases")
    _where_the_time_goes(sent)
    report("  of which enqueueing the PDF renderings after commit", sent["seconds"], "s", seconds, "the run")
    report("  render messages sent to the broker", sent["messages"], "messages")
    report("  render messages sent inside a transaction", sent["in_transaction"], "messages")
    report("queries of the run issuing 5 000 formal notices", small_queries, "queries")
    report("queries of the run issuing 50 000 formal notices", queries, "queries", small_queries, "5 000 cases")
    report("  (run issuing 5 000 formal notices, for scale)", small_seconds, "s")


# ---------------------------------------------------------------------------------- letters


def _letters(report) -> None:
    """Celery task body (re-read, render, store with SHA-256) against WeasyPrint alone."""
    from django.conf import settings
    from weasyprint import HTML

    from amiable.letters import letter_html
    from amiable.models import Letter, LetterKind
    from amiable.tasks import letters_render_task
    from portal import pdf

    letters = list(
        Letter.objects.filter(kind=LetterKind.FORMAL_NOTICE, document__isnull=True)
        .select_related("case__premium_call", "case__policy__member", "case__policy__broker")
        .order_by("id")[: LETTERS + 1]
    )
    base_url = str(Path(settings.BASE_DIR) / "static")
    HTML(string=letter_html(letters[-1]), base_url=base_url).write_pdf()  # warm up fonts and caches
    alone = task = 0.0
    # Interleaved rounds, in alternating order: the machine's noise hits both paths alike.
    for round_, start in enumerate(range(0, LETTERS, 5)):
        batch = letters[start : start + 5]
        html = [letter_html(letter) for letter in batch]
        for path in (("alone", "task") if round_ % 2 == 0 else ("task", "alone")):
            started = time.perf_counter()
            if path == "alone":
                pages = [HTML(string=text, base_url=base_url).write_pdf() for text in html]
                alone += time.perf_counter() - started
            else:
                stored = letters_render_task.run([letter.id for letter in batch])
                task += time.perf_counter() - started
        assert stored == len(batch) and all(pages)
    report(f"letter rendering in the Celery task body ({LETTERS} formal notices)", LETTERS / task, "letters/s",
           LETTERS / alone, "WeasyPrint alone on the same HTML")
    report("  time per letter, task body", 1000 * task / LETTERS, "ms", 1000 * alone / LETTERS, "WeasyPrint alone")
    try:
        with transaction.atomic():
            pdf.pdf_from_html(letter_html(letters[-1]))
        print("- PDF rendering inside a transaction: ACCEPTED (it should be refused)")
    except pdf.RenderingInTransactionError as error:
        print(f"- PDF rendering inside transaction.atomic(): refused ({error})")


# ----------------------------------------------------------------------------------- digests


def _digests(report, *, today: date) -> None:
    """The 07:00 digest after these days: the news rows of each step are resolved into each
    broker's and member's lines and contacts, one e-mail per recipient written to the outbox."""
    from portal import notifications
    from portal.models import DigestItem, OutboxMessage

    items = DigestItem.objects.filter(digested_on__isnull=True).count()
    started = time.perf_counter()
    emails = notifications.digests_send(business_date=today)
    seconds = time.perf_counter() - started
    assert OutboxMessage.objects.filter(key__startswith="digest:").count() == emails
    report(f"digest of these days: {items} news rows into {emails} e-mails (outbox), one transaction", seconds, "s")
    report("  e-mails written per second", emails / seconds, "e-mails/s")


# ------------------------------------------------------------------------------------ export


def _export(report, *, today: date, calendar) -> None:
    import psycopg

    from amiable import exports, selectors
    from portal.models import User

    accounting = User.objects.get(email="compta@bench.test")

    def rows(count: int):
        queryset = selectors.case_rows_for(user=accounting, today=today, calendar=calendar).all()
        return exports.case_export_rows(queryset)[:count]

    def export(count: int) -> tuple[float, int]:
        started, size = time.perf_counter(), 0
        for chunk in exports.csv_stream(headers=exports.CASE_HEADERS, rows=rows(count)):
            size += len(chunk)
        return time.perf_counter() - started, size

    def copy(count: int) -> tuple[float, int]:
        sql, params = rows(count).query.sql_with_params()
        started, size = time.perf_counter(), 0
        connection.ensure_connection()
        raw = connection.connection
        statement = psycopg.ClientCursor(raw).mogrify(sql, params)
        with raw.cursor() as cursor, cursor.copy(
            f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, DELIMITER ';', ENCODING 'UTF8')"
        ) as stream:
            for chunk in stream:
                size += len(chunk)
        return time.perf_counter() - started, size

    def python_loop(count: int) -> float:
        started = time.perf_counter()
        for _ in exports._python_stream(rows(count).iterator(chunk_size=2000)):
            pass
        return time.perf_counter() - started

    copy(2000), export(2000)  # warm up (plans, caches)
    copies, exported = [], []
    for _ in range(2):
        copies.append(copy(EXPORT_ROWS)[0])
        seconds, size = export(EXPORT_ROWS)
        exported.append(seconds)
    report(f"CSV export of 200 000 rows (case_export_rows + csv_stream; {size / 1e6:.1f} MB)",
           EXPORT_ROWS / min(exported), "rows/s", EXPORT_ROWS / min(copies), "COPY (same SELECT) TO STDOUT")
    report("  same rows through a Python csv loop (the non-PostgreSQL path)", EXPORT_ROWS / python_loop(EXPORT_ROWS),
           "rows/s", EXPORT_ROWS / min(copies), "COPY")
    peaks = {}
    for count in (50_000, EXPORT_ROWS):
        tracemalloc.start()
        export(count)
        peaks[count] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    report("peak Python memory of the export, 200 000 rows", peaks[EXPORT_ROWS], "KiB", peaks[50_000], "50 000 rows")


# -------------------------------------------------------------------------------------- page


def _page(report, *, ids: dict, today: date) -> None:
    """ "Gérer le cycle amiable" and the API list, as the administrator of the broker with
    20 000 policies and as that of the broker with 100 (the same mix of cases): median server
    time of each view beside its target (50 ms) and beside the small broker's (ratio <= 1.5:
    the cost does not grow with the portfolio), and their queries (must be equal)."""
    clients = {}
    for size, user in (("large", ids["admin"]), ("small", ids["small_admin"])):
        clients[size] = Client()
        clients[size].force_login(user)
    page, api = reverse("amiable:cases"), "/api/v1/amiable/cases/"
    old = os.environ.get("PORTAL_TODAY")
    os.environ["PORTAL_TODAY"] = today.isoformat()
    # The small broker has no page 50: its last full page (25 rows shown, as on page 50).
    small_pages = clients["small"].get(page).context["page"].paginator.count // 25
    views = [("page, default view", page, {}), ("page, Actions en attente", page, {"pending": "1"}),
             ("page, sorted by N° Police, descending", page, {"sort": "-policy"}),
             ("page, page 50", page, {"page": "50"}), ("API list (GET /api/v1/amiable/cases/)", api, {})]
    try:
        for label, url, query in views:
            queries_of = {"large": query, "small": {"page": str(small_pages)} if "page" in query else query}
            counts, sizes = {}, {}
            for size, client in clients.items():
                response = client.get(url, queries_of[size])  # warm up
                assert response.status_code == 200, response.status_code
                reset_queries()  # a request resets the log: count from an empty one
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url, queries_of[size])
                counts[size] = len(queries)  # now: the next request empties the log
                sizes[size] = (response.json()["count"] if url == api
                               else response.context["page"].paginator.count)
            timings = {"large": [], "small": []}
            for round_ in range(PAGE_REQUESTS):  # interleaved: the machine's noise hits both alike
                for size in (("large", "small") if round_ % 2 == 0 else ("small", "large")):
                    started = time.perf_counter()
                    clients[size].get(url, queries_of[size])
                    timings[size].append(time.perf_counter() - started)
            large, small = (1000 * statistics.median(timings[size]) for size in ("large", "small"))
            cases = {size: f"{count:,}".replace(",", " ") for size, count in sizes.items()}
            report(f"{label}, 20 000 policies ({cases['large']} cases): median of {PAGE_REQUESTS} requests",
                   large, "ms", PAGE_TARGET_MS, "target")
            small_view = f", page {small_pages}" if "page" in query else ""
            report(f"  same view, against 100 policies ({cases['small']} cases{small_view})", large, "ms", small,
                   f"100 policies; target ratio <= {PAGE_TARGET_RATIO}")
            report("  queries, 20 000 policies", counts["large"], "queries", counts["small"], "100 policies: equal")
    finally:
        if old is None:
            os.environ.pop("PORTAL_TODAY", None)
        else:
            os.environ["PORTAL_TODAY"] = old
