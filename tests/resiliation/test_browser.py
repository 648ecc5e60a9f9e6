"""The whole flow in Chromium: wizard → letter → e-signed mandate on the sandbox signature
page → sending → sandbox registered mail → « Signée »."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from resiliation.models import LetterStatus, TerminationLetter
from tests.resiliation.conftest import PDF_BYTES

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def worker(monkeypatch):
    """The Celery worker, played by the test: tasks queued after commit (by the live server's
    requests or by other tasks) are recorded, and ``run()`` executes them in order, like a
    worker would, until none is left. Nothing runs inside a request."""
    from resiliation import tasks
    from resiliation.sandbox import tasks as sandbox_tasks

    queued = []
    for task in (tasks.letter_dispatch_task, tasks.letter_proof_task, tasks.signature_cancel_task,
                 sandbox_tasks.sandbox_webhook_deliver_task):
        monkeypatch.setattr(task, "delay", lambda *args, task=task: queued.append((task, args)))

    class Worker:
        def run(self) -> int:
            done = 0
            while queued:
                task, args = queued.pop(0)
                task.run(*args)
                done += 1
            return done

    return Worker()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wizard_to_signed_letter(page, login_page, live_server, settings, admin_user, insurer, orias_on_file, funded,
                                 at, worker):
    at(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS))
    settings.PORTAL_BASE_URL = live_server.url
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
    assert worker.run() >= 3  # the signed webhook, the dispatch, the deposit webhook (and the proof)

    # Signed → sent today → deposited (sandbox webhooks, HMAC-signed, over HTTP)
    page.goto(f"/resiliations/{letter.pk}/")
    assert page.locator("#letter-status").inner_text() == "Déposée"
    page.get_by_role("link", name="Bac à sable LRE").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Le destinataire signe l'accusé de réception").click()
    assert worker.run() >= 1  # the signed-receipt webhook (and the acknowledgement's proof)
    page.reload()
    assert page.locator("#portal-status").inner_text() == "Signée"
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SIGNED and letter.deposit_notice_id and letter.acknowledgement_id
    page.goto("/resiliations/?dossier=sent")
    assert page.locator("#letters").get_by_text("Signée").is_visible()


# ------------------------------------------------------------------ issue 14: the letter's pages
@pytest.fixture
def ready(admin_user, make_letter, orias_on_file, funded):
    """A draft letter ready to be sent (ORIAS on file, mandate not attached, credit)."""
    from portal import clock
    from resiliation import services

    orias_on_file(admin_user)
    funded(admin_user.organisation)

    def _ready(**contract):
        letter = make_letter(admin_user, **contract)
        services.letter_mandate_choose(letter=letter, choice="not_attached", today=clock.business_today(),
                                      confirmed=True)
        return letter

    return _ready


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_confirm_button_follows_the_dates_and_au_plus_tot_keeps_the_token_out_of_the_address(
        page, login_page, admin_user, ready):
    hamon = ready(reason="hamon")
    login_page(admin_user.email)
    page.goto(f"/resiliations/{hamon.pk}/finaliser/")
    start = page.get_by_label("Choisissez une date de prise d'effet des nouveaux contrats :")
    with page.expect_response(re.compile(r"/finaliser/\?")) as plan:
        start.fill("2026-06-15")
    assert "csrfmiddlewaretoken" not in plan.value.url
    expect(page.locator("#plan")).to_contain_text("prise d'effet des nouveaux contrats le 15/06/2026")
    send = re.search(r"prévu pour le (\d\d/\d\d/\d{4})", page.locator("#plan").inner_text()).group(1)
    expect(page.get_by_role("button", name=re.compile("^Confirmer l'envoi"))).to_have_text(
        f"Confirmer l'envoi le {send}")

    page.get_by_role("button", name="Au plus tôt").click()
    page.wait_for_load_state()
    assert "csrfmiddlewaretoken" not in page.url and page.url.endswith(f"/resiliations/{hamon.pk}/finaliser/")
    earliest = re.search(r"prévu pour le (\d\d/\d\d/\d{4})", page.locator("#plan").inner_text()).group(1)
    assert earliest != send
    expect(page.get_by_role("button", name=re.compile("^Confirmer l'envoi"))).to_have_text(
        f"Confirmer l'envoi le {earliest}")

    other = ready()
    page.goto(f"/resiliations/{other.pk}/finaliser/")
    page.get_by_label("Choisissez votre date d'envoi ci-dessous :").fill("2026-03-20")
    expect(page.locator("#plan")).to_contain_text("20/03/2026")
    expect(page.get_by_role("button", name=re.compile("^Confirmer l'envoi"))).to_have_text(
        "Confirmer l'envoi le 20/03/2026")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cancelling_a_sending_asks_first(page, login_page, admin_user, ready, balance):
    from portal import clock
    from resiliation import services

    letter = ready()
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None,
                           send=date(2026, 3, 20), dates_confirmed=True, now=clock.local_now())
    paid = balance(admin_user.organisation)
    login_page(admin_user.email)
    page.goto(f"/resiliations/{letter.pk}/")
    page.get_by_role("link", name="Annuler l'envoi").click()
    dialog = page.get_by_role("dialog", name="Annuler l'envoi")
    expect(dialog).to_contain_text("Êtes-vous sûr de vouloir annuler l'envoi de cette lettre ?")
    dialog.get_by_role("button", name="Ne rien faire").click()
    expect(dialog).to_be_hidden()
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SCHEDULED  # nothing cancelled yet
    page.get_by_role("link", name="Annuler l'envoi").click()
    dialog.get_by_role("button", name="Annuler l'envoi").click()
    expect(page.locator(".messages")).to_contain_text("L'envoi est annulé et vous avez été remboursé.")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CANCELLED and balance(admin_user.organisation) > paid


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_saving_the_text_and_the_old_manager_says_so_and_files_are_chosen_in_french(page, login_page, admin_user,
                                                                                    make_letter, tmp_path):
    letter = make_letter(admin_user)
    login_page(admin_user.email)
    page.goto(f"/resiliations/{letter.pk}/")
    # The answers land in live regions that exist before (a screen reader announces them).
    for result in ("#free-text-result", "#old-manager-result"):
        expect(page.locator(result)).to_have_attribute("aria-live", "polite")
    page.get_by_label("Texte ajouté à la lettre").fill("Merci de nous adresser le relevé d'information.")
    page.get_by_role("button", name="Enregistrer le texte").click()
    expect(page.locator("#free-text-result")).to_have_text("Le texte de la lettre est enregistré.")
    page.get_by_label("Email").fill("agent@ancien-assureur.test")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#old-manager-result")).to_contain_text("agent@ancien-assureur.test")

    # The attachment: a labelled input behind a French control, the chosen file listed.
    upload = page.get_by_label("Pièce à joindre")
    expect(page.get_by_text("Choisir un fichier")).to_be_visible()
    proof = tmp_path / "releve-information.pdf"
    proof.write_bytes(PDF_BYTES)
    upload.set_input_files(str(proof))
    expect(page.locator("[data-upload-names]")).to_contain_text("releve-information.pdf (1 Ko)")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.locator(".messages")).to_contain_text("La pièce est jointe à l'envoi.")
