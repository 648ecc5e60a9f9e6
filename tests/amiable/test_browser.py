"""Chromium (Playwright) on the live server: the broker's flow and the clerk's approval."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from amiable.models import ExtensionRequest
from tests.conftest import PASSWORD
from tests.files import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_broker_acknowledges_then_asks_for_an_extension_and_the_clerk_approves(
    make_case, admin_user, accounting_user, set_today, page, login_page, browser, live_server, tmp_path
):
    set_today(date(2026, 2, 13))
    case = make_case(company_name="BOULANGERIE MARTIN SARL")
    login_page(admin_user.email)
    page.get_by_role("link", name=re.compile("le cycle amiable")).click()
    expect(page.get_by_role("heading", name="Gérer le cycle amiable")).to_be_visible()
    page.wait_for_load_state()  # htmx (deferred) ready: before it, links open the pages without JavaScript
    row = page.locator(f"#case-{case.id}")
    expect(row).to_contain_text("Courrier de rappel transmis")
    expect(row).to_contain_text("Rappel non lu")
    expect(row).to_contain_text("5 jour(s) restant(s)")

    row.get_by_role("link", name="J'ai bien pris connaissance").click()
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_contain_text(
        "J'ai bien pris connaissance du courrier pour le compte de mon cabinet de courtage Cabinet Un SARL")
    dialog.get_by_role("button", name="Valider").click()
    expect(row).to_contain_text("Rappel lu")
    expect(dialog).not_to_be_visible()

    row.get_by_role("link", name="Répondre").click()
    expect(dialog).to_contain_text("Demander une prolongation de 25 jours (ouvrés)")
    reason = dialog.get_by_label("Justification")
    expect(reason).to_be_hidden()  # shown only once "Oui" is chosen
    dialog.get_by_label("Oui").check()
    reason.select_option(label="Autre motif (commentaire obligatoire)")
    dialog.get_by_role("button", name="Valider").click()
    expect(dialog).to_contain_text("Le commentaire est obligatoire pour « Autre motif ».")
    dialog.get_by_label("Commentaire").fill("Cession du fonds en cours, paiement par le notaire.")
    proof = tmp_path / "attestation-notaire.pdf"
    proof.write_bytes(PDF_BYTES)
    dialog.get_by_label("Ajouter un document (optionnel)").set_input_files(str(proof))
    dialog.get_by_role("button", name="Valider").click()
    expect(row).to_contain_text("En attente de validation par L'Auxiliaire")
    expect(page.locator("#flash")).to_contain_text("Merci d'avoir transmis votre demande")
    extension = ExtensionRequest.objects.get(case=case)
    assert extension.document.original_name == "attestation-notaire.pdf"

    # The clerk decides in the admin, in another browser session.
    set_today(date(2026, 2, 16))
    clerk = browser.new_context(base_url=live_server.url, locale="fr-FR")
    admin = clerk.new_page()
    admin.goto("/admin/login/?next=/admin/amiable/extensionrequest/")
    admin.fill("#id_username", accounting_user.email)
    admin.fill("#id_password", PASSWORD)
    admin.get_by_role("button", name=re.compile("Connexion")).click()
    expect(admin.locator("#result_list")).to_contain_text("BOULANGERIE MARTIN SARL")
    expect(admin.locator("#result_list")).to_contain_text("Cession du fonds en cours")
    admin.locator("#result_list a", has_text=case.policy.number).first.click()
    admin.fill("#decision-note", "Accord au vu de l'attestation.")
    admin.get_by_role("button", name="Accorder la prolongation").click()
    expect(admin.locator(".messagelist")).to_contain_text("1 demande(s) accordée(s)")
    clerk.close()
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by_id) == ("approved", accounting_user.id)

    page.reload()
    expect(page.locator(f"#case-{case.id}")).to_contain_text("Prolongation accordée")


def test_sort_filters_and_page_travel_together_in_the_address(emission, org, tick, contacts, admin_user, set_today,
                                                                page, login_page):
    """Defects 1–2 of issue 14: `?{% querystring %}` made `??` links (no sort, no paging), and a sort
    dropped the client filter. One request per filter change; the back button restores the state."""
    from portal.models import Member
    from tests.amiable.conftest import DEFAULT

    for index in range(30):
        emission(reference=f"EM-A{index}", policy_number=f"PA-{index:02d}", member_number="M-A", company_name="ALPHA",
                 broker=org)
    for index in range(5):
        emission(reference=f"EM-B{index}", policy_number=f"PB-{index:02d}", member_number="M-B", company_name="BETA",
                 broker=org)
    tick(DEFAULT)
    set_today(date(2026, 2, 13))
    alpha = Member.objects.get(member_number="M-A")
    login_page(admin_user.email)
    page.goto(f"/amiable/?client={alpha.id}")
    count = page.locator("#cases-count")
    expect(count).to_have_text("30 dossiers — page 1 sur 2")

    page.get_by_role("link", name="N° Police").click()
    expect(page).to_have_url(re.compile(rf"\?client={alpha.id}&sort=policy$"))
    expect(page.get_by_role("columnheader", name="N° Police")).to_have_attribute("aria-sort", "ascending")
    expect(count).to_have_text("30 dossiers — page 1 sur 2")
    expect(page.locator("tbody tr").first).to_contain_text("PA-00")
    page.get_by_role("link", name="Suivante →").click()
    expect(count).to_have_text("30 dossiers — page 2 sur 2")
    expect(page).to_have_url(re.compile(rf"\?client={alpha.id}&sort=policy&page=2$"))
    expect(page.locator("tbody tr").first).to_contain_text("PA-25")

    page.go_back()
    expect(count).to_have_text("30 dossiers — page 1 sur 2")
    expect(page).to_have_url(re.compile(rf"\?client={alpha.id}&sort=policy$"))
    expect(page.get_by_label("Client")).to_have_value(str(alpha.id))

    requests = []
    page.on("request", lambda request: "/amiable/" in request.url and requests.append(request.url))
    with page.expect_response(re.compile(r"/amiable/\?")):
        page.get_by_label("Client").select_option(label="Client (tous)")
    expect(count).to_have_text("35 dossiers — page 1 sur 2")
    page.wait_for_timeout(300)
    assert len(requests) == 1, requests  # not htmx and a form submit too
    expect(page).to_have_url(re.compile(r"sort=policy"))  # the sort chosen before is kept
    page.get_by_label("Actions en attente").check()
    expect(page).to_have_url(re.compile(r"sort=policy.*pending=1|pending=1.*sort=policy"))


def test_a_dialog_shown_again_after_an_error_needs_no_inline_style(make_case, admin_user, set_today, page,
                                                                  login_page):
    """htmx settles attributes of elements kept across a swap; copying a `style` attribute (a
    textarea the user resized) is an inline style the CSP refuses."""
    set_today(date(2026, 2, 13))
    case = make_case()
    problems = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    login_page(admin_user.email)
    page.goto("/amiable/")  # (waits for the load event: htmx is ready)
    page.locator(f"#case-{case.id}").get_by_role("link", name="Répondre").click()
    dialog = page.locator("dialog#dialog")
    dialog.get_by_label("Oui").check()
    dialog.get_by_label("Justification").select_option(label="Autre motif (commentaire obligatoire)")
    for _ in range(2):
        page.evaluate("document.querySelector('#id_comment').style.height = '9em'")  # as a resize by hand does
        with page.expect_response(re.compile(r"/reponse/")):
            dialog.get_by_role("button", name="Valider").click()
        expect(dialog).to_contain_text("Le commentaire est obligatoire pour « Autre motif ».")
    assert problems == []
