"""A Pyramide Artisan quote in Chromium: from the home tile, the form (a wrong turnover first),
the quote in the list as « valide », its PDF downloaded."""

from __future__ import annotations

import re

import pytest

from quotes.models import Quote


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_fill_the_quote_form_and_get_the_pdf(page, login_page, admin_user, pyramide):
    login_page(admin_user.email)
    page.get_by_role("link", name=re.compile("Pyramide Artisan")).first.click()
    page.wait_for_url("**/devis/nouveau/")

    page.get_by_label("Raison sociale de l'artisan").fill("Menuiserie du Vercors")
    page.get_by_label("Métier").select_option(label="Menuisier")
    page.get_by_label("Chiffre d'affaires annuel (€)").fill("75 000 000")
    page.get_by_label("Effectif (salariés)").fill("11")
    page.get_by_label("Surface des locaux (m²)").fill("450")
    page.get_by_label("Bris de machine").check()
    page.get_by_role("button", name="Établir le devis").click()
    assert "plus de 50 000 000 €" in page.locator(".field--error").inner_text()
    assert not Quote.objects.exists()

    page.get_by_label("Chiffre d'affaires annuel (€)").fill("960 000")
    page.get_by_role("button", name="Établir le devis").click()
    page.wait_for_url("**/devis/")
    quote = Quote.objects.get()
    assert f"Devis {quote.number} établi" in page.locator(".messages").inner_text()
    row = page.locator(f"#devis-{quote.number}")
    assert "valide" in row.inner_text() and "Menuiserie du Vercors" in row.inner_text()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"Devis {quote.number}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
