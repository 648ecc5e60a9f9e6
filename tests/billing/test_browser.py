"""A purchase of credits in Chromium, through the sandbox bank's payment page."""

from __future__ import annotations

import re

import pytest

from billing.models import Receipt
from billing.services import price_list_install_defaults


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_credits_through_the_sandbox(page, login_page, admin_user):
    price_list_install_defaults()
    login_page(admin_user.email)
    page.get_by_role("link", name=re.compile("facturation")).click()
    page.wait_for_url("**/facturation/")
    assert "Crédit actuel : 0,00" in page.locator("#credit-actuel").inner_text()

    page.get_by_role("link", name=re.compile("Achat de crédits")).click()
    page.get_by_label("Montant").select_option("50")
    page.get_by_role("button", name=re.compile("Acheter des crédits")).click()

    page.wait_for_url("**/paiement/bac-a-sable/**")
    assert "Paiement de 50,00" in page.locator("h1").inner_text()
    page.get_by_label("Numéro de carte").fill("4111 1111 1111 1111")
    page.get_by_label("Année").select_option("2030")
    page.get_by_label("Cryptogramme visuel").fill("123")
    page.get_by_role("button", name="Valider").click()

    # the bank's signed notification goes back to the portal by itself (auto-submitted form)
    page.wait_for_url("**/facturation/achat-de-credits/*/")
    assert "Paiement accepté" in page.content()
    receipt = Receipt.objects.get()
    credit = page.locator("#credit-actuel").inner_text()
    assert credit.replace("\u00a0", " ").replace("\u202f", " ") == (
        "Crédit actuel : 50,00 € (soit 13 LRAR ou 16 sans accusé de réception)"
    )

    page.get_by_role("link", name=re.compile("Page de facturation")).click()
    page.wait_for_url("**/facturation/")
    row = page.locator("#receipts tbody tr").first
    assert receipt.number in row.inner_text() and "50,00" in row.inner_text()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Télécharger").click()
    download = download_info.value
    assert download.suggested_filename == f"recu-{receipt.number}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_sandbox_bank_suggests_a_test_card_and_a_valid_expiry(page, login_page, admin_user):
    """A tester pays with what the page offers: the test card shown, the expiry as proposed."""
    price_list_install_defaults()
    login_page(admin_user.email)
    page.goto("/facturation/achat-de-credits/")
    page.get_by_role("button", name=re.compile("Acheter des crédits")).click()
    page.wait_for_url("**/paiement/bac-a-sable/**")
    card = re.search(r"Carte de test : ([\d ]+),", page.locator("#test-card").inner_text()).group(1)
    page.get_by_label("Numéro de carte").fill(card)
    page.get_by_label("Cryptogramme visuel").fill("123")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/facturation/achat-de-credits/*/")
    assert "Paiement accepté" in page.content() and Receipt.objects.count() == 1
