"""Sustained debits per second on PostgreSQL with 8 concurrent workers (forked processes, each
with its own database connection: no GIL between them), and a check that no update was lost
(final balance == sum of the entries == expected).

Two cases: all workers debit ONE account (worst case: every debit waits for the account row
lock), and each worker debits its own account. Skipped on SQLite (one writer at a time).
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from decimal import Decimal

WORKERS = 8
DEBITS_PER_WORKER = 200
ON = date(2026, 3, 2)


def run(report) -> None:
    from django.db import connection, connections
    from django.db.models import Sum

    from billing.models import LedgerEntry
    from billing.selectors import account_balance
    from billing.services import LineItem, account_adjust, account_debit, price_list_install_defaults
    from portal import services as portal_services
    from portal.models import Role

    if connection.vendor != "postgresql":
        print("- skipped: needs PostgreSQL (DATABASE_URL=postgres://…), SQLite serialises every writer")
        return
    price_list_install_defaults()
    staff = portal_services.user_create(email="bench-billing@auxiliaire.test", password=None, role=Role.ACCOUNTING)
    unit = Decimal("3.78")  # lre_ar
    funding = unit * WORKERS * DEBITS_PER_WORKER

    def scenario(label: str, organisations: list) -> None:
        for organisation in set(organisations):
            account_adjust(organisation=organisation, amount=funding, reason="Benchmark", by=staff, on=ON)
        before = {o.pk: account_balance(organisation=o) for o in set(organisations)}
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(WORKERS + 1)
        errors = context.Queue()

        def worker(index: int) -> None:
            organisation = organisations[index]
            try:
                barrier.wait()
                for n in range(DEBITS_PER_WORKER):
                    account_debit(organisation=organisation, items=[LineItem("registered_eletter_acknowledgement")],
                                  idempotency_key=f"bench:{label}:{index}:{n}", label="Benchmark", on=ON)
            except Exception as error:  # reported below
                errors.put(repr(error))
            finally:
                connections.close_all()

        connections.close_all()  # never share the parent's connection with the children
        processes = [context.Process(target=worker, args=(i,)) for i in range(WORKERS)]
        for process in processes:
            process.start()
        barrier.wait()
        started = time.perf_counter()
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
        failures = []
        while not errors.empty():
            failures.append(errors.get())
        total = WORKERS * DEBITS_PER_WORKER
        lost = 0
        for organisation in set(organisations):
            debits = organisations.count(organisation) * DEBITS_PER_WORKER
            expected = before[organisation.pk] - unit * debits
            balance = account_balance(organisation=organisation)
            summed = LedgerEntry.objects.filter(account__organisation=organisation).aggregate(s=Sum("amount"))["s"]
            if balance != expected or summed != expected:
                lost += 1
                print(f"  LOST UPDATE on {organisation}: balance {balance}, entries {summed}, expected {expected}")
        report(f"{label}: debits/s ({WORKERS} workers, {total} debits)", total / elapsed, "debits/s")
        print(f"  errors: {len(failures)}; accounts with a lost update: {lost} "
              f"({'OK: final balance == expected' if not lost and not failures else 'FAILED'})")
        if failures:
            print(f"  first error: {failures[0]}")

    shared = portal_services.organisation_create(orias="07990000", name="Bench partagé")
    scenario("one shared account", [shared] * WORKERS)
    own = [portal_services.organisation_create(orias=f"0799{i + 1:04d}", name=f"Bench {i}") for i in range(WORKERS)]
    scenario("one account per worker", own)
