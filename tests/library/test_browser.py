"""The library in Chromium: from the home tile, a product chosen, the current conditions
générales downloaded, the previous version listed under them."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.models import Product


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browse_a_product_and_download_its_current_documents(page, login_page, collaborator, product, add_version):
    add_version(product, version="01-2025", effective_from=date(2025, 1, 1))
    current = add_version(product, version="01-2026", effective_from=date(2026, 1, 1))
    fleet = Product.objects.create(code="flotte", name="Flotte automobile")
    add_version(fleet, version="2026", effective_from=date(2026, 1, 1))
    login_page(collaborator.email)  # no delegation profile: the library is every broker's user's
    page.get_by_role("link", name=re.compile("nos contrats")).first.click()
    page.wait_for_url("**/contrats/")
    page.get_by_label("Produit").select_option(label="Pyramide Artisan")
    page.wait_for_url(re.compile(r"/contrats/\?produit=\d+"))
    assert "Flotte automobile" not in page.locator("main section").all_inner_texts()[0]
    page.get_by_text("Versions précédentes (1)").click()
    assert page.get_by_role("link", name="Télécharger la version 01-2025").is_visible()
    with page.expect_download() as download_info:
        page.locator("main table").get_by_role("link", name="Télécharger", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "Conditions générales 01-2026.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == current.document.file.open("rb").read()
