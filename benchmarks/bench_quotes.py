"""Pyramide Artisan quotes: the time to issue one (check, price, number, WeasyPrint PDF, store),
and « Mes devis » for a broker with 5 001 quotes against one with 11 (median of 30 interleaved requests;
the page reads one page of rows from an index: ratio ≤ 1.5)."""

from __future__ import annotations

import statistics
import time
from datetime import date
from decimal import Decimal

ON = date(2026, 3, 2)
REQUESTS = 30


def _median_ms(call, times: int) -> float:
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def run(report) -> None:
    from django.test import Client

    from portal import services as portal_services
    from portal.models import Role
    from quotes import services
    from quotes.defaults import defaults_install
    from quotes.models import Quote, Tariff, TariffRate, Trade

    defaults_install(Trade=Trade, Tariff=Tariff, TariffRate=TariffRate)
    trade = Trade.objects.get(name="Menuisier")
    users = {}
    for index, size in enumerate(("small", "large")):
        organisation = portal_services.organisation_create(
            orias=f"0790000{index}", name=f"Cabinet bench {size}", trade_name=f"Bench {size}",
            address_line1="1 rue du Banc", postal_code="38000", city="Grenoble")
        users[size] = portal_services.user_create(email=f"bench-quotes-{size}@bench.test", password=None,
                                                  role=Role.ADMINISTRATOR, organisation=organisation)

    def issue(user):
        return services.quote_issue(by=user, prospect_name="Menuiserie du Vercors", trade=trade,
                                    turnover=Decimal("960000"), staff_count=11, premises_area=450,
                                    options=["machinery_breakdown"], today=ON)

    issue(users["small"])  # warm WeasyPrint's fonts
    report("issue one quote (PDF included), median of 10", _median_ms(lambda: issue(users["small"]), 10), "ms")
    model = issue(users["large"])
    copies = []
    for sequence in range(1, 5001):
        copy = Quote.objects.get(pk=model.pk)
        copy.pk, copy.year, copy.sequence, copy.number = None, 2025, sequence, f"DPA-2025-{sequence:06d}"
        copies.append(copy)
    Quote.objects.bulk_create(copies, batch_size=1000)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the statistics autovacuum keeps on a live database
            cursor.execute("ANALYZE quotes_quote")

    clients = {}
    for size, user in users.items():
        clients[size] = Client()
        clients[size].force_login(user)
        clients[size].get("/devis/")
    durations = {size: [] for size in users}
    for _ in range(REQUESTS):  # interleaved: the machine's noise falls on both alike
        for size, client in clients.items():
            started = time.perf_counter()
            client.get("/devis/")
            durations[size].append((time.perf_counter() - started) * 1000)
    timings = {size: statistics.median(values) for size, values in durations.items()}
    counts = {size: Quote.objects.filter(organisation_id=user.organisation_id).count() for size, user in users.items()}
    report(f"« Mes devis », broker with {counts['small']} quotes (median)", timings["small"], "ms")
    report(f"« Mes devis », broker with {counts['large']} quotes (median)", timings["large"], "ms",
           limit=timings["small"] * 1.5, limit_label="1.5 × the small broker's")
