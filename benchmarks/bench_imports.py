"""Premium-call and payment imports: 10 000 rows in ONE API request, end to end (token auth,
JSON parsing, per-row validation, set-based upsert), then the import service alone."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

ROWS = 10_000


def emission_rows(prefix: str, amount: str) -> list[dict]:
    return [
        {
            "reference": f"{prefix}-{index:06d}",
            "policy_number": f"{prefix}P{index // 2:07d}",
            "member_number": f"{prefix}M{index // 4:07d}",
            "company_name": f"ENTREPRISE {index // 4} SARL",
            "broker_orias": f"0700{index // 2 % 4 + 1:04d}",
            "broker_manages": index // 2 % 5 != 0,
            "due_date": (date(2026, 1, 5) + timedelta(days=index % 60)).isoformat(),
            "amount": amount,
        }
        for index in range(ROWS)
    ]


def payment_rows(prefix: str) -> list[dict]:
    """``reference`` is the insurer's own payment id, required and unique (SPEC §8)."""
    return [
        {"reference": f"PAY-{prefix}-{index}", "emission_reference": f"{prefix}-{index:06d}", "amount": "100.00",
         "paid_on": (date(2026, 1, 5) + timedelta(days=index % 50)).isoformat()}
        for index in range(ROWS)
    ]


def timed_post(api, url: str, rows: list[dict]) -> tuple[float, dict]:
    started = time.perf_counter()
    response = api.post(url, rows, format="json")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:500]!r}")
    return elapsed, response.json()


def run(report) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from portal import services
    from portal.models import Role

    for number in range(1, 5):
        services.organisation_create(orias=f"0700{number:04d}", name=f"Cabinet {number}")
    system = services.user_create(email="system@bench.test", password=None, role=Role.SYSTEM)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=system).key}")

    elapsed, result = timed_post(api, "/api/v1/emissions/", emission_rows("EM", "1250.00"))
    assert result == {"created": ROWS, "updated": 0}, result
    report(f"API emissions: {ROWS} new rows in one request", ROWS / elapsed, "rows/s")
    elapsed, result = timed_post(api, "/api/v1/emissions/", emission_rows("EM", "1300.00"))
    assert result == {"created": 0, "updated": ROWS}, result
    report(f"API emissions: {ROWS} updated rows in one request", ROWS / elapsed, "rows/s")

    elapsed, result = timed_post(api, "/api/v1/payments/", payment_rows("EM"))
    assert result == {"recorded": ROWS, "already_recorded": 0}, result
    report(f"API payments: {ROWS} new rows in one request", ROWS / elapsed, "rows/s")
    elapsed, result = timed_post(api, "/api/v1/payments/", payment_rows("EM"))
    assert result == {"recorded": 0, "already_recorded": ROWS}, result
    report(f"API payments: {ROWS} replayed rows in one request", ROWS / elapsed, "rows/s")

    # The import service alone (no HTTP, JSON or serializer): where the API's time goes.
    rows = [
        services.EmissionRow(**{**row, "due_date": date.fromisoformat(row["due_date"]), "amount": Decimal(row["amount"])})
        for row in emission_rows("SV", "990.00")
    ]
    started = time.perf_counter()
    services.emissions_import(rows=rows)
    report(f"service emissions_import: {ROWS} new rows", ROWS / (time.perf_counter() - started), "rows/s")

    payments = [
        services.PaymentRow(**{**row, "paid_on": date.fromisoformat(row["paid_on"]), "amount": Decimal(row["amount"])})
        for row in payment_rows("SV")
    ]
    today = max(row.paid_on for row in payments)
    for label, expected in (("new", (ROWS, 0)), ("replayed", (0, ROWS))):
        started = time.perf_counter()
        result = services.payments_import(rows=payments, today=today)
        elapsed = time.perf_counter() - started
        assert (result.recorded, result.already_recorded) == expected, result
        report(f"service payments_import: {ROWS} {label} rows", ROWS / elapsed, "rows/s")
