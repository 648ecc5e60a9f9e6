"""Chromium drives a help request end to end: sent with a file, answered by staff in the admin,
replied to by the user, which reopens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.models import HelpRequest, HelpStatus, OutboxMessage
from tests.conftest import PASSWORD
from tests.portal import help_data
from tests.portal.test_browser import watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")


def a_pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": help_data.PDF}


def test_a_help_request_answered_in_the_admin_and_replied_to(page, browser, live_server, admin_user,
                                                             accounting_user):
    errors = watch_console(page)
    sign_in(page, admin_user.email)
    page.goto("/aide/demande/?sujet=courrier")
    expect(page.get_by_label("Objet de la demande")).to_have_value("courrier")
    page.get_by_label("Précision (facultatif)").fill("Pli non distribué")
    page.get_by_label("Votre message").fill("Notre courrier du 20/02 n'est jamais arrivé.")
    page.get_by_label("Pièces jointes").set_input_files([a_pdf("preuve-de-depot.pdf")])
    page.get_by_role("button", name="Envoyer la demande").click()
    help_request = HelpRequest.objects.get()
    expect(page.get_by_text(f"Votre demande a bien été envoyée : dossier n° {help_request.file_number}")).to_be_visible()
    expect(page.locator("#help-status")).to_have_text("Demande reçue")
    expect(page.get_by_role("link", name="preuve-de-depot.pdf")).to_be_visible()

    staff_context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    staff = staff_context.new_page()
    sign_in(staff, accounting_user.email)
    staff.goto("/admin/portal/helprequest/?status__exact=received")
    staff.get_by_role("link", name=str(help_request.file_number)).click()
    expect(staff.get_by_text("Notre courrier du 20/02 n'est jamais arrivé.")).to_be_visible()
    answer = staff.locator("#help-answer")
    answer.get_by_label("Message :", exact=True).fill("Merci de nous transmettre la photo de l'enveloppe retournée.")
    answer.get_by_label("Statut après ce message :", exact=True).select_option(label="En attente de votre retour")
    answer.get_by_role("button", name="Envoyer").click()
    expect(staff.get_by_text("Réponse envoyée au demandeur")).to_be_visible()
    staff_context.close()
    assert OutboxMessage.objects.filter(to=admin_user.email, subject__contains=str(help_request.file_number)).exists()

    page.goto(f"/aide/demandes/{help_request.file_number}/")
    expect(page.locator("#help-status")).to_have_text("En attente de votre retour")
    expect(page.locator("#help-explanation")).to_contain_text("Nous attendons un justificatif de votre part")
    expect(page.get_by_text("Merci de nous transmettre la photo de l'enveloppe retournée.")).to_be_visible()
    page.get_by_label("Votre réponse").fill("Voici la photo de l'enveloppe.")
    page.get_by_label("Pièces jointes").set_input_files([a_pdf("enveloppe.pdf")])
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Votre message a bien été envoyé à votre conseiller.")).to_be_visible()
    expect(page.locator("#help-status")).to_have_text("Demande reçue")
    expect(page.get_by_role("link", name="enveloppe.pdf")).to_be_visible()
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.RECEIVED

    page.goto("/aide/demandes/")
    expect(page.locator("#help-requests tbody tr")).to_have_count(1)
    expect(page.locator("#help-requests")).to_contain_text(re.compile(rf"Dossier n° {help_request.file_number}"))
    assert errors == []
