"""Commission statements at scale (issue 13 §3, SPEC §9): a 20 000-policy broker and a
100-policy broker, every policy paid in February and again in March.

Figures: the time to issue February's statements (20 100 lines, frozen in one transaction per
organisation, PDFs aside: rendered by Celery), then the median time of the pages — the list
with the current month « provisoire » (computed on each view: its totals by SQL aggregate over
the 20 000 payments of March), the provisoire's first page of lines, a statement's first page of
lines, the CSV of the 20 000-line statement — for each broker, and the large/small ratios.

Targets for the list page, on PostgreSQL: a median ≤ 50 ms for the 20 000-policy broker and a
ratio ≤ 1,5× to the 100-policy broker (before: 298 ms vs 24 ms, 12,5×, with the provisoire
recomputed in Python from every payment of the month).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date
from decimal import Decimal

TODAY = date(2026, 3, 2)
LARGE, SMALL = 20_000, 100
ROUNDS = 5
LIST_PAGE = "page « Voir les commissions » (with the provisional month)"
PROVISIONAL_PAGE = "the provisional month's first page of lines"
TARGET_MS, TARGET_RATIO = 50.0, 1.5


def _portfolio(portal_services, organisation, size: int, prefix: str) -> None:
    rows = [portal_services.EmissionRow(
        reference=f"EM-{prefix}-{index}", policy_number=f"{prefix}{index:07d}", member_number=f"{prefix}M{index}",
        company_name=f"CLIENT {index}", broker_orias=organisation.orias, broker_manages=True,
        due_date=date(2026, 2, 2), amount=Decimal("1234.56"), product="pyramide_artisan") for index in range(size)]
    for start in range(0, size, 5000):
        portal_services.emissions_import(rows=rows[start:start + 5000], today=TODAY)
    payments = []
    for index, row in enumerate(rows):
        payments.append(portal_services.PaymentRow(row.reference, Decimal("617.28"), date(2026, 2, 1 + index % 28),
                                                   f"PAY-{row.reference}-F"))
        payments.append(portal_services.PaymentRow(row.reference, Decimal("617.28"), date(2026, 3, 1 + index % 2),
                                                   f"PAY-{row.reference}-M"))
    for start in range(0, len(payments), 10_000):
        portal_services.payments_import(rows=payments[start:start + 10_000], today=TODAY)


def _median(client, url: str) -> float:
    timings = []
    client.get(url)  # warm-up (templates, connection)
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def run(report) -> None:
    os.environ["PORTAL_TODAY"] = TODAY.isoformat()
    os.environ["PORTAL_NOW"] = f"{TODAY.isoformat()}T10:00"
    from django.test import Client
    from django.urls import reverse

    from commissions import services
    from commissions.models import Statement
    from portal import services as portal_services
    from portal.models import Product, Role

    product = Product.objects.create(code="pyramide_artisan", name="Pyramide Artisan")
    services.rate_add(product=product, rate=Decimal("15.00"), effective_from=date(2025, 1, 1))
    brokers = {}
    for size, orias in ((LARGE, "07900001"), (SMALL, "07900002")):
        organisation = portal_services.organisation_create(orias=orias, name=f"Courtier {size}")
        user = portal_services.user_create(email=f"bench-commissions-{size}@test.fr", password=None,
                                           role=Role.ADMINISTRATOR, organisation=organisation)
        started = time.perf_counter()
        _portfolio(portal_services, organisation, size, f"B{size}")
        print(f"  ({size} policies and {2 * size} payments imported in {time.perf_counter() - started:.1f} s)")
        brokers[size] = (organisation, user)

    started = time.perf_counter()
    run_ = services.statements_issue(period_start=date(2026, 2, 1), today=TODAY)
    report(f"issue February's statements ({run_.count} organisations, {LARGE + SMALL} lines)",
           (time.perf_counter() - started) * 1000, "ms")

    medians = {}
    for size, (organisation, user) in brokers.items():
        client = Client()
        client.force_login(user)
        statement = Statement.objects.get(organisation=organisation)
        for name, url in ((LIST_PAGE, reverse("commissions:statements")),
                          (PROVISIONAL_PAGE, reverse("commissions:provisional")),
                          ("a statement's page", reverse("commissions:statement", args=[statement.pk])),
                          ("a statement's CSV", reverse("commissions:statement_csv", args=[statement.pk]))):
            medians[(size, name)] = _median(client, url)
            target = TARGET_MS if name == LIST_PAGE and size == LARGE else None
            report(f"{name}, {size}-policy broker (median of {ROUNDS})", medians[(size, name)], "ms",
                   target, "target (PostgreSQL)" if target else "")
    for name in (LIST_PAGE, PROVISIONAL_PAGE, "a statement's page"):
        ratio = medians[(LARGE, name)] / medians[(SMALL, name)]
        if name == LIST_PAGE:
            report(f"ratio {LARGE}/{SMALL} for the {name}", ratio, "×", TARGET_RATIO, "target")
        else:
            print(f"  ratio {LARGE}/{SMALL} for {name}: {ratio:.2f}×")
