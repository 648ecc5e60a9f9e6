"""Résiliation: re-rendering the live preview of a one-page letter after an edit, and proof
that no PDF is ever rendered inside a database transaction (``portal.pdf`` refuses)."""

from __future__ import annotations

import statistics
import time
from datetime import date


def run(report) -> None:
    from django.db import transaction
    from django.test import Client

    from portal import services as portal_services
    from portal.models import Role
    from portal.pdf import RenderingInTransactionError
    from resiliation import documents, services
    from resiliation.models import Insurer

    organisation = portal_services.organisation_create(orias="09990001", name="Bench Courtage", trade_name="Bench")
    user = portal_services.user_create(email="bench@resiliation.test", password=None, role=Role.ADMINISTRATOR,
                                       organisation=organisation)
    letter = services.letter_create(
        by=user, insurer=Insurer.objects.get(name="MAAF ASSURANCES"),
        subscriber=services.SubscriberData(civility="M", last_name="Dupont", first_name="Jean",
                                           address_line1="2 rue des fleurs", postal_code="38000", city="Grenoble",
                                           email="jean@client.test"),
        contract=services.ContractData(contract_type="auto", reference="12536985", reason="main_due_date",
                                       main_due_date=date(2026, 7, 1), registration="AA-111-BB"),
    )
    documents.letter_pdf(letter, letter_date=date(2026, 3, 2))  # warm-up (fonts, templates)

    service_times = []
    for index in range(15):
        services.letter_free_text_set(letter=letter, text=f"Précision n° {index} pour le destinataire.")
        started = time.perf_counter()
        pdf = documents.letter_pdf(letter, letter_date=date(2026, 3, 2))
        service_times.append((time.perf_counter() - started) * 1000)
    report("preview re-render after an edit (median of 15, letter_pdf)", statistics.median(service_times), "ms")
    report("preview size", len(pdf) / 1024, "KiB")

    client = Client()
    client.force_login(user)
    http_times = []
    for index in range(10):
        client.post(f"/resiliations/{letter.pk}/texte/", {"free_text": f"Modification {index}"},
                    headers={"HX-Request": "true"})
        started = time.perf_counter()
        response = client.get(f"/resiliations/{letter.pk}/lettre.pdf?v={index}")
        http_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    report("edit → GET preview PDF over HTTP (median)", statistics.median(http_times), "ms")

    refused = 0
    try:
        with transaction.atomic():
            documents.letter_pdf(letter, letter_date=date(2026, 3, 2))
    except RenderingInTransactionError:
        refused = 1
    report("PDF rendering inside a transaction refused (1 = refused)", refused, "")
    print("   letter_pdf inside transaction.atomic() raised RenderingInTransactionError:", bool(refused))
