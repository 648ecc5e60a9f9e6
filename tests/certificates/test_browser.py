"""In Chromium: a broker finds the client, issues a certificate, downloads it, then a third
party verifies it through the public page (by the number printed under the QR code)."""

import re

import pytest

from certificates.models import Certificate
from tests.certificates.conftest import CODE, pdf_text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_issue_a_certificate_and_verify_it_through_its_public_page(page, login_page, live_server, settings,
                                                                   admin_user, policy):
    settings.PORTAL_BASE_URL = live_server.url
    login_page(admin_user.email)

    page.get_by_role("link", name=re.compile("attestation client")).first.click()
    page.wait_for_url("**/attestations/nouvelle/")
    page.get_by_label("Raison sociale ou n° sociétaire").fill("menuiserie")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="MENUISERIE DUPOND").click()
    page.get_by_label(re.compile("Police P-1")).check()
    page.get_by_role("button", name="Délivrer l'attestation").click()
    page.wait_for_url(re.compile(r"/attestations/\?nouvelle=\d+$"))
    page.get_by_text("Attestation délivrée pour la police P-1 (MENUISERIE DUPOND).").wait_for()

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation").click()
    content = download.value.path().read_bytes()
    text = pdf_text(content)
    code = CODE.search(text).group(0)
    assert f"{live_server.url}/verifier/{code}" in text.replace("\n", "")
    assert Certificate.objects.get().document.sha256 and content.startswith(b"%PDF")

    # A third party, not signed in, types the number printed under the QR code.
    visitor = page.context.browser.new_context(base_url=live_server.url, locale="fr-FR")
    public = visitor.new_page()
    public.goto("/verifier/")
    public.get_by_label(re.compile("Numéro de vérification")).fill(code.lower())
    public.get_by_role("button", name="Vérifier").click()
    verdict = public.locator("#verdict")
    assert "Certificat authentique" in verdict.inner_text() and "MENUISERIE DUPOND" in verdict.inner_text()
    assert "du 02/03/2026 au 01/03/2027" in verdict.inner_text()
    # The QR code's address, and a forged one.
    public.goto(f"/verifier/{code}")
    assert "MENUISERIE DUPOND" in public.locator("#verdict").inner_text()
    response = public.goto("/verifier/ABCD-EFGH-JKMN-PQRS")
    assert response.status == 404 and "Certificat inconnu" in public.locator("#verdict").inner_text()
    visitor.close()
