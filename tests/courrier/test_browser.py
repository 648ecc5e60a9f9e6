"""The paper-mail flow in Chromium: two files uploaded, reordered by drag and drop and by the
keyboard buttons, stapled, the address read in the window, the confirmation screen, sent, then
in the list as Programmé and, after the 10:30 hand-over, Transmis."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from courrier import services
from courrier.models import Envelope, Status
from portal import clock
from tests.courrier.conftest import letter_pdf

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_reorder_staple_detect_send(page, login_page, live_server, settings, admin_user, funded):
    settings.PORTAL_BASE_URL = live_server.url
    funded(admin_user.organisation)
    login_page(admin_user.email)

    page.get_by_role("link", name=re.compile("un courrier papier")).click()
    page.wait_for_url("**/courriers/")
    page.get_by_role("link", name="Nouveau courrier papier").click()
    # « Ajouter + » two files: the annex (3 pages, no address) before the letter.
    page.get_by_label("Ajouter +").set_input_files([
        {"name": "annexe.pdf", "mimeType": "application/pdf", "buffer": letter_pdf(3, address=False)},
        {"name": "courrier.pdf", "mimeType": "application/pdf", "buffer": letter_pdf(1)},
    ])
    page.get_by_label(re.compile("Lettre verte")).check()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(re.compile(r"/courriers/\d+/$"))
    envelope = Envelope.objects.get()
    documents = page.locator("#documents li")
    assert documents.nth(0).locator(".document__name").inner_text() == "annexe.pdf"
    assert page.get_by_text("Aucune adresse n'a été détectée").is_visible()

    # Drag the letter above the annex: the address in its window is read at once.
    page.locator("#documents li", has_text="courrier.pdf").drag_to(page.locator("#documents li",
                                                                                has_text="annexe.pdf"))
    page.get_by_text("Mr DUPONT Jean").wait_for()
    assert documents.nth(0).locator(".document__name").inner_text() == "courrier.pdf"
    # The keyboard buttons do the same.
    page.get_by_role("button", name="Descendre courrier.pdf").click()
    page.get_by_text("Aucune adresse n'a été détectée").wait_for()
    page.get_by_role("button", name="Monter courrier.pdf").click()
    page.get_by_text("Mr DUPONT Jean").wait_for()
    assert list(envelope.documents.values_list("name", flat=True)) == ["courrier.pdf", "annexe.pdf"]

    # « Agrafer tout »: only the annex (3 pages) is stapled.
    page.get_by_label("Agrafer tout").check()
    page.locator(".badge", has_text="agrafé").wait_for()
    assert page.locator(".badge", has_text="agrafé").count() == 1
    page.get_by_role("button", name=re.compile(r"Utiliser l'adresse du premier document \(-0,10")).click()
    page.get_by_text("L'adresse du premier document est utilisée").wait_for()

    page.get_by_role("link", name="Envoyer maintenant").click()
    page.get_by_role("heading", name="Visuel du courrier tel qu'il sera imprimé").wait_for()
    assert page.locator("#visual img").count() >= 3
    assert page.locator("#handover-date").inner_text() == "lundi 02/03/2026"
    assert "Mr DUPONT Jean" in page.locator("#confirm-recipient").inner_text()
    envelope.refresh_from_db()
    quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
    assert page.locator("#confirm-price").inner_text().replace("\u00a0", " ") == \
        f"{quote.total:.2f} €".replace(".", ",")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.wait_for_url(f"**/courriers/{envelope.pk}/")
    assert page.locator("#envelope-status").inner_text() == "Programmé le 02/03/2026"

    page.get_by_role("link", name="Tous les courriers papiers").click()
    row = page.locator(f"#envelope-{envelope.pk}")
    assert re.search(r"Programmé\s+Le 02/03/2026", row.inner_text())

    # 10:30: La Poste takes it (the beat job's service), the list says Transmis.
    services.envelopes_hand_over(now=datetime(2026, 3, 2, 10, 30, tzinfo=PARIS), calendar=clock.business_calendar())
    page.reload()
    assert re.search(r"Transmis\s+Le 02/03/2026", page.locator(f"#envelope-{envelope.pk}").inner_text())
    envelope.refresh_from_db()
    assert envelope.status == Status.TRANSMITTED and envelope.staple and envelope.price == quote.total
