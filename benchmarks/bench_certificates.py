"""Certificates at scale (issue 13 §2): ``.venv/bin/python -m benchmarks certificates``
(SQLite by default; ``DATABASE_URL=postgres://…`` for PostgreSQL).

Two brokers, one with 20 000 policies (one client holding 40 of them) and 100 000 certificates,
one with 100 policies and 100 certificates, written with ``bulk_create``. Figures (medians of
server time through Django's test client, each beside the limit it is compared with):

1. « Obtenir une attestation client » for a client of 40 policies, and the client search, at the
   large broker against the small one (target ratio <= 1.5);
2. « Attestations délivrées » (first page) at 100 000 certificates against 100 (target <= 1.5);
3. ``/verifier/<code>``: a real code, a well-formed unknown code and a malformed one, among
   100 100 certificates: the unknown and malformed answers against the real one (ratio ~ 1: no
   timing difference to tell them apart beyond « inconnu »);
4. issuing one certificate (WeasyPrint PDF, stored with its SHA-256), median of 10.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from datetime import date

from django.core.cache import cache
from django.test import Client, override_settings

RUNS = 50
DAY = date(2026, 3, 2)


def run(report) -> None:
    from certificates import codes

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 404s of unknown codes are expected
    with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-certificates-"), PORTAL_BASE_URL="https://x.fr"):
        small, large = _broker("07000101", 100, 100), _broker("07000102", 20_000, 100_000)
        known = _issue(large)
        _analyze()
        timings = {}
        for name, (user, member_id) in (("small", small), ("large", large)):
            client = Client()
            client.force_login(user)
            timings[f"new {name}"] = _median(lambda c=client, m=member_id: c.get(f"/attestations/nouvelle/?client={m}"))
            timings[f"search {name}"] = _median(lambda c=client: c.get("/attestations/nouvelle/?q=CLIENT 1"))
            timings[f"list {name}"] = _median(lambda c=client: c.get("/attestations/"))
        for page in ("new", "search", "list"):
            report(f"{page} — broker with 20 000 policies / 100 000 certificates", timings[f"{page} large"], "ms",
                   timings[f"{page} small"], "same page, 100 policies / 100 certificates (target ratio <= 1.5)")
        anonymous = Client()
        _median(lambda: _verify(anonymous, known), status=200)  # warm-up
        real = _median(lambda: _verify(anonymous, known), status=200, runs=RUNS * 5)
        unknown = _median(lambda: _verify(anonymous, codes.code_new()), status=404, runs=RUNS * 5)
        malformed = _median(lambda: _verify(anonymous, "pas-un-code"), status=404, runs=RUNS * 5)
        report("/verifier/<code> real code", real, "ms")
        report("/verifier/<code> unknown well-formed code", unknown, "ms", real, "real code")
        report("/verifier/<code> malformed code", malformed, "ms", real, "real code")
        user = large[0]
        from certificates import services
        from portal.models import Policy

        policy_id = Policy.objects.filter(member_id=large[1]).values_list("id", flat=True).first()
        issue_times = []
        for _ in range(10):
            started = time.perf_counter()
            services.certificate_issue(by=user, policy_id=policy_id, period_start=DAY, period_end=date(2026, 12, 31),
                                       today=DAY)
            issue_times.append((time.perf_counter() - started) * 1000)
        report("issuing one certificate (PDF rendered and stored)", statistics.median(issue_times), "ms")


def _analyze() -> None:
    """What autovacuum does on a live database after a bulk load (visibility map, statistics)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("certificates_certificate", "portal_storeddocument", "portal_policy", "portal_member"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _verify(client, code):
    cache.clear()  # the rate limit is not what is measured
    return client.get(f"/verifier/{code}")


def _median(call, status: int = 200, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == status, response.status_code
    return statistics.median(times)


def _broker(orias: str, policies: int, certificates: int):
    """An organisation, its administrator, ``policies`` policies (client 1 holds 40 of them) with
    a product and its guarantees, and ``certificates`` certificates: (user, client 1's id)."""
    from certificates.models import Certificate, ProductGuarantee
    from portal import services
    from portal.models import Member, Policy, Product, Role, StoredDocument

    organisation = services.organisation_create(orias=orias, name=f"Bench {orias}", address_line1="1 rue du Banc",
                                                postal_code="38000", city="Grenoble")
    user = services.user_create(email=f"admin{orias}@bench.test", password=None, role=Role.ADMINISTRATOR,
                                organisation=organisation, first_name="Ada", last_name="Bench")
    product, _ = Product.objects.get_or_create(code="bench", defaults={"name": "Pyramide Artisan"})
    if not product.certificate_guarantees.exists():
        ProductGuarantee.objects.bulk_create([ProductGuarantee(product=product, position=n, label=f"Garantie {n}",
                                                               limit="1 000 000 €") for n in range(5)])
    members = Member.objects.bulk_create([
        Member(member_number=f"{orias}-{n}", company_name=f"CLIENT {n} {orias}", postal_code="38000", city="Grenoble")
        for n in range(max(1, (policies - 40) // 2 + 1))], batch_size=2000)
    rows = [Policy(number=f"{orias}-P-{n}", product=product, member=members[0] if n < 40 else members[(n - 40) // 2],
                   broker=organisation) for n in range(policies)]
    created = Policy.objects.bulk_create(rows, batch_size=2000)
    documents = StoredDocument.objects.bulk_create([
        StoredDocument(file="documents/bench.pdf", original_name="attestation.pdf", content_type="application/pdf",
                       size=1, sha256="0" * 64) for _ in range(certificates)], batch_size=5000)
    Certificate.objects.bulk_create([
        Certificate(broker=organisation, member=created[n % len(created)].member, policy=created[n % len(created)],
                    holder_name="CLIENT", policy_number=created[n % len(created)].number, product_name=product.name,
                    period_start=DAY, period_end=date(2026, 12, 31), issued_on=DAY, place="Grenoble", issued_by=user,
                    verification_hash=f"{orias}{n:056d}", document=document)
        for n, document in enumerate(documents)], batch_size=5000)
    return user, members[0].id


def _issue(broker) -> str:
    """A real certificate of the large broker: its code."""
    from certificates import codes, services
    from portal.models import Policy

    user, member_id = broker
    policy_id = Policy.objects.filter(member_id=member_id).values_list("id", flat=True).first()
    captured = {}
    real_new = codes.code_new

    def remember():
        captured["code"] = real_new()
        return captured["code"]

    codes.code_new = remember
    try:
        services.certificate_issue(by=user, policy_id=policy_id, period_start=DAY, period_end=date(2026, 12, 31),
                                   today=DAY)
    finally:
        codes.code_new = real_new
    return captured["code"]
