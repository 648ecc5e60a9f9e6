"""The whole flow in Chromium: wizard → letter → e-signed mandate on the sandbox signature
page → sending → sandbox registered mail → « Signée »."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from resiliation.models import LetterStatus, TerminationLetter

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wizard_to_signed_letter(page, login_page, live_server, settings, admin_user, insurer, orias_on_file, funded,
                                 at):
    at(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS))
    settings.PORTAL_BASE_URL = live_server.url
    settings.RESILIATION_RUN_TASKS_INLINE = True  # tasks and sandbox webhooks run in-process after commit
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    login_page(admin_user.email)

    page.get_by_role("link", name=re.compile("résilier")).click()
    page.get_by_role("link", name="+ Nouvelle résiliation").click()
    # 1 - Le souscripteur
    page.locator("#id_last_name").fill("Dupont")
    page.locator("#id_first_name").fill("Jean")
    page.get_by_label("N° et rue").fill("2 rue des fleurs")
    page.get_by_label("Code postal").fill("38000")
    page.get_by_label("Ville").fill("Grenoble")
    page.get_by_label("E-mail").fill("jean.dupont@client.test")
    page.get_by_text("Ajouter un co-souscripteur").click()
    page.locator("#id_co_last_name").fill("Dupont")
    page.locator("#id_co_first_name").fill("Jeanne")
    page.get_by_label("Civilité du co-souscripteur").select_option("MME")
    page.get_by_role("button", name="Continuer").click()
    # 2 - L'assureur: search from two characters
    page.get_by_placeholder("Cherchez l'assureur ici, deux caractères minimum").fill("maa")
    page.get_by_role("button", name=re.compile("MAAF ASSURANCES")).click()
    # 3 - Le contrat
    page.get_by_role("link", name="Assurance auto").click()
    page.get_by_label("Référence du contrat").fill("12536985")
    page.get_by_label("Echéance principale").check()
    page.locator("#id_main_due_date").fill("2026-07-01")
    page.get_by_label("Immatriculation").fill("aa-111-bb")
    page.get_by_role("button", name="✓ Continuer").click()
    page.wait_for_url(re.compile(r"/resiliations/\d+/$"))
    letter = TerminationLetter.objects.get()
    assert page.get_by_text("Résiliation de Dupont Jean").is_visible()

    # Added text: saved with htmx, the preview reloads
    page.get_by_label("Texte ajouté à la lettre").fill("Merci de nous adresser le relevé d'information.")
    with page.expect_response(re.compile(r"lettre\.pdf\?v=")):
        page.get_by_role("button", name="Enregistrer le texte").click()
    # Mandate: the generated mandate, e-signed
    page.get_by_role("link", name="Générer/Joindre le mandat").click()
    page.get_by_role("link", name="Générer et joindre un mandat").click()
    page.get_by_role("button", name="Poursuivre avec une signature électronique").click()
    page.get_by_role("link", name="Finaliser l'envoi").click()
    # 4 - Envoyer
    page.get_by_label(re.compile("Avec accusé de réception")).check()
    page.get_by_label(re.compile("Je confirme choisir les dates")).check()
    page.get_by_role("button", name="Signer le mandat et envoyer le 02/03/2026").click()
    page.get_by_label("Numéro de mobile de votre souscripteur").fill("06 12 34 56 78")
    page.get_by_label(re.compile("En présentiel")).check()
    page.get_by_label(re.compile("Je certifie avoir fourni")).check()
    page.get_by_role("button", name="✓ Signer le mandat").click()
    page.get_by_text("Le lien de signature est prêt").wait_for()

    # The sandbox signature page, in person
    page.get_by_role("link", name="✓ Démarrer la procédure").click()
    page.get_by_label(re.compile("Je reconnais avoir souscrit")).check()
    page.get_by_label(re.compile("Je reconnais avoir lu le document")).check()
    page.get_by_role("button", name="Recevoir le code SMS").click()
    code = page.locator("#sandbox-sms-code").inner_text()
    page.get_by_label("Code SMS").fill(code)
    page.get_by_role("button", name="Signer", exact=True).click()
    page.get_by_text("Succès de la signature").wait_for()

    # Signed → sent today → deposited (sandbox webhooks, HMAC-signed, over HTTP)
    page.goto(f"/resiliations/{letter.pk}/")
    assert page.locator("#letter-status").inner_text() == "Déposée"
    page.get_by_role("link", name="Bac à sable LRE").click()
    page.get_by_role("button", name="Le destinataire signe l'accusé de réception").click()
    assert page.locator("#portal-status").inner_text() == "Signée"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SIGNED and letter.deposit_notice_id and letter.acknowledgement_id
    page.goto("/resiliations/?dossier=sent")
    assert page.locator("#letters").get_by_text("Signée").is_visible()
