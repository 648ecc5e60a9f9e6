"""« Suivre votre activité » at scale (issue 13, "Proof expected"), on SQLite and PostgreSQL.

``.venv/bin/python -m benchmarks activity`` (SQLite) and
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/activity_bench .venv/bin/python -m benchmarks activity``

Data, written set-based (recursive CTEs, the same SQL on both databases) in a few seconds: 12
organisations — one broker with 20 000 policies, one with 100, ten others sharing 30 000 —,
5 policies per client, 4 products, 8 quarterly premium calls per policy over two years (one in
ten unpaid), open cycle-amiable cases on one policy in twenty at the three open steps, and their
suspension events. Then the figures are refreshed (the morning job) and the page is measured.

Figures, each beside a limit measured in the same run:
1. the refresh of every organisation's figures (set-based, once a morning), for scale;
2. the activity page (default view, and one client) and the workbook: median server time for
   the 20 000-policy broker against the same page for the 100-policy broker (target ratio
   <= 1.5), and their query counts (equal).
"""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

BIG = 20_000
SMALL = 100
OTHERS = 30_000
OTHER_BROKERS = 10
PER_MEMBER = 5
QUARTERS = 8
REQUESTS = 30
TARGET_RATIO = 1.5
TODAY = date(2026, 3, 2)
PARIS = ZoneInfo("Europe/Paris")


def _sql(statement: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or None)
        return cursor.rowcount


def _sequence(count: int) -> str:
    return f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count}) "


def run(report) -> None:
    from activity import services
    from portal import clock
    from portal import services as portal_services
    from portal.models import Organisation, Product, Role

    started = time.perf_counter()
    with transaction.atomic():
        organisations = [
            portal_services.organisation_create(orias=f"0800{number:04d}", name=f"Cabinet Bench {number} SAS",
                                                trade_name=f"Bench {number}", address_line1="1 rue du Bench",
                                                postal_code="38000", city="Grenoble")
            for number in range(1, OTHER_BROKERS + 3)
        ]
        products = [Product.objects.create(code=f"bench_{number}", name=f"Produit {number}") for number in range(4)]
        users = {
            label: portal_services.user_create(email=f"{label}@bench.test", password="bench-password",
                                               role=Role.ADMINISTRATOR, organisation=organisation)
            for label, organisation in (("big", organisations[0]), ("small", organisations[1]))
        }
        _generate(organisations, products)
    report(f"data generated set-based ({BIG + SMALL + OTHERS} policies, {(BIG + SMALL + OTHERS) * QUARTERS} "
           "premium calls)", time.perf_counter() - started, "s")

    started = time.perf_counter()
    result = services.activity_refresh(today=TODAY, now=datetime(2026, 3, 2, 6, 30, tzinfo=PARIS))
    report(f"refresh of every organisation's figures ({result.monthly_rows} monthly rows, "
           f"{result.product_rows} product rows)", time.perf_counter() - started, "s")

    import os

    os.environ["PORTAL_TODAY"] = TODAY.isoformat()
    try:
        assert clock.business_today() == TODAY
        clients = {label: Client() for label in users}
        for label, client in clients.items():
            client.force_login(users[label])
        member_of = {label: _first_member(Organisation.objects.get(pk=user.organisation_id))
                     for label, user in users.items()}
        pages = [("page", reverse("activity:index"), lambda label: {}),
                 ("page for one client", reverse("activity:index"), lambda label: {"client": member_of[label]}),
                 ("workbook", reverse("activity:export"), lambda label: {})]
        for name, url, params in pages:
            timings, counts = {}, {}
            for label in ("big", "small"):
                with CaptureQueriesContext(connection) as queries:
                    response = clients[label].get(url, params(label))
                assert response.status_code == 200, response.status_code
                counts[label] = len(queries)
            for label in ("big", "small"):
                clients[label].get(url, params(label))  # warm
            samples = {"big": [], "small": []}
            for _ in range(REQUESTS):  # interleaved: both see the same machine load
                for label in ("big", "small"):
                    begin = time.perf_counter()
                    clients[label].get(url, params(label))
                    samples[label].append((time.perf_counter() - begin) * 1000)
            timings = {label: statistics.median(values) for label, values in samples.items()}
            report(f"{name}, 20 000-policy broker (median of {REQUESTS})", timings["big"], "ms",
                   limit=timings["small"] * TARGET_RATIO, limit_label=f"{TARGET_RATIO}× the 100-policy broker's")
            report(f"{name}, 100-policy broker (median of {REQUESTS})", timings["small"], "ms")
            report(f"{name}: ratio 20 000 / 100 policies (target <= {TARGET_RATIO})",
                   timings["big"] / timings["small"], "×")
            report(f"{name}: queries, 20 000 vs 100 policies (must be equal)", counts["big"], "queries",
                   limit=counts["small"], limit_label="the 100-policy broker's")
            assert counts["big"] == counts["small"], counts
    finally:
        os.environ.pop("PORTAL_TODAY", None)


def _first_member(organisation) -> int:
    from portal.models import Policy

    return Policy.objects.filter(broker=organisation).order_by("id").values_list("member_id", flat=True)[0]


def _generate(organisations, products) -> None:
    big, small = organisations[0].id, organisations[1].id
    others = [organisation.id for organisation in organisations[2:]]
    total = BIG + SMALL + OTHERS
    broker_of = (f"CASE WHEN i <= {BIG} THEN {big} WHEN i <= {BIG + SMALL} THEN {small} ELSE CASE "
                 + " ".join(f"WHEN i % {len(others)} = {index} THEN {organisation}"
                            for index, organisation in enumerate(others))
                 + " END END")
    product_of = "CASE " + " ".join(f"WHEN i % 4 = {index} THEN {product.id}"
                                    for index, product in enumerate(products)) + " END"
    # (Statements with parameters double their % operators.)
    # Each broker's clients are its own: client k holds policies 5k-4 … 5k (broker blocks are multiples of 5).
    _sql(_sequence(total // PER_MEMBER) + """
        INSERT INTO portal_member (address_line1, address_line2, postal_code, city, member_number, company_name,
               siren, siret, created_at, updated_at)
        SELECT i || ' rue des Sociétaires', '', '38000', 'Grenoble', 'BM' || (1000000 + i), 'Société ' || i || ' SARL',
               '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq""")
    _sql(_sequence(total) + f"""
        INSERT INTO portal_policy (number, broker_manages, status, created_at, updated_at, broker_id, member_id,
               product_id)
        SELECT 'BP' || (1000000 + i), i % 10 < 6, CASE WHEN i % 50 = 7 THEN 'terminated' ELSE 'active' END,
               CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, {broker_of},
               (SELECT m.id FROM portal_member m WHERE m.member_number = 'BM' || (1000000 + (i - 1) / {PER_MEMBER} + 1)),
               {product_of}
        FROM seq""")
    for quarter in range(QUARTERS):
        due = TODAY - timedelta(days=21 + 91 * quarter)
        _sql("""
            INSERT INTO portal_premiumcall (reference, due_date, amount, paid_amount, created_at, updated_at, policy_id)
            SELECT 'BE' || p.id || '-' || %s, %s, 100 + p.id %% 900,
                   CASE WHEN p.id %% 10 = 3 THEN 0 ELSE 100 + p.id %% 900 END, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, p.id
            FROM portal_policy p WHERE p.number LIKE 'BP%%'""", [quarter, due])
    # Open cases of the cycle amiable on one policy in twenty (its latest call), at the three open steps.
    reminder, notice = TODAY - timedelta(days=60), TODAY - timedelta(days=45)
    _sql("""
        INSERT INTO amiable_case (broker_manages, stage, opened_on, reminder_date, response_deadline, answer,
               formal_notice_planned, formal_notice_date, suspension_date, termination_date, closed_on,
               manual_follow_up, manual_follow_up_note, created_at, updated_at, policy_id, premium_call_id, broker_id,
               member_id, policy_number, member_number, company_name, letter_date, letter_unread)
        SELECT p.broker_manages, CASE p.id %% 3 WHEN 0 THEN 'open' WHEN 1 THEN 'formal_notice' ELSE 'suspended' END,
               %s, %s, %s, '', %s,
               CASE WHEN p.id %% 3 = 0 THEN NULL ELSE %s END, CASE WHEN p.id %% 3 = 0 THEN NULL ELSE %s END,
               CASE WHEN p.id %% 3 = 0 THEN NULL ELSE %s END, NULL, false, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
               p.id, c.id, p.broker_id, p.member_id, p.number, m.member_number, m.company_name, %s, false
        FROM portal_policy p JOIN portal_premiumcall c ON c.policy_id = p.id AND c.reference = 'BE' || p.id || '-0'
             JOIN portal_member m ON m.id = p.member_id
        WHERE p.number LIKE 'BP%%' AND p.id %% 20 = 0""",
         [reminder, reminder, reminder + timedelta(days=7), notice, notice, notice + timedelta(days=30),
          notice + timedelta(days=40), reminder])
    _sql("""
        INSERT INTO amiable_event (case_id, type, key, date, detail, created_at)
        SELECT id, 'suspension', 'suspension', suspension_date, '', CURRENT_TIMESTAMP
        FROM amiable_case WHERE stage = 'suspended' AND policy_number LIKE 'BP%'""")
