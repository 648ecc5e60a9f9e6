"""The pages: wizard through HTTP, letter page edits (htmx), list filters and query counts,
Excel export, preview PDF."""

import html
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from resiliation import services
from resiliation.models import InsurerRequest, TerminationLetter

SUBSCRIBER = {"civility": "M", "last_name": "Dupont", "first_name": "Jean", "address_line1": "2 rue des fleurs",
              "postal_code": "38000", "city": "Grenoble", "email": "jean@client.test", "co_civility": ""}


def test_wizard_end_to_end(client_for, admin_user, insurer):
    client = client_for(admin_user)
    response = client.post("/resiliations/nouvelle/", {**SUBSCRIBER, "siret": "123"})
    assert response.status_code == 200 and "14 chiffres" in response.content.decode()
    assert client.post("/resiliations/nouvelle/", SUBSCRIBER).url == "/resiliations/nouvelle/assureur/"
    search = client.get("/resiliations/assureurs/", {"q": "m"}, headers={"HX-Request": "true"})
    assert "Deux caractères minimum" in search.content.decode()
    search = client.get("/resiliations/assureurs/", {"q": "maa"}, headers={"HX-Request": "true"})
    assert "MAAF ASSURANCES" in search.content.decode() and "<html" not in search.content.decode()
    assert client.post("/resiliations/nouvelle/assureur/", {"insurer": insurer.pk}).url == "/resiliations/nouvelle/type/"
    types = client.get("/resiliations/nouvelle/type/").content.decode()
    assert "Garantie des Accidents de la vie" in types and "Autre type" in types
    form = client.get("/resiliations/nouvelle/contrat/auto/").content.decode()
    assert "Immatriculation" in form and "Loi Hamon" in form
    bad = client.post("/resiliations/nouvelle/contrat/auto/", {"reference": "AB1", "reason": "hamon"})
    assert "nouvel assureur" in bad.content.decode().lower() and not TerminationLetter.objects.exists()
    done = client.post("/resiliations/nouvelle/contrat/auto/", {"reference": "AB1", "reason": "hamon",
                                                               "new_insurer": "AXA FRANCE IARD",
                                                               "registration": "aa-111-bb"})
    letter = TerminationLetter.objects.get()
    assert done.url == f"/resiliations/{letter.pk}/"
    page = client.get(done.url).content.decode()
    assert "Résiliation de <strong>Dupont Jean</strong>" in page and "Finaliser l'envoi</a>" not in page
    # add a contract: only Hamon-compatible types are offered
    types = client.get(f"/resiliations/{letter.pk}/contrats/ajouter/").content.decode()
    assert "Assurance moto" in types and "Garantie Décennale" not in types
    assert client.get(f"/resiliations/{letter.pk}/contrats/ajouter/ten_year_liability/").status_code == 404


def test_new_resiliation_for_the_same_subscriber(client_for, admin_user, make_letter):
    letter = make_letter(admin_user)
    page = client_for(admin_user).get(f"/resiliations/nouvelle/?depuis={letter.pk}").content.decode()
    assert 'value="Dupont"' in page and 'value="2 rue des fleurs"' in page


def test_insurer_request_page(client_for, admin_user):
    client = client_for(admin_user)
    assert client.post("/resiliations/assureurs/demande/", {"name": "Mutuelle du Lac"}).status_code == 302
    assert InsurerRequest.objects.get().name == "Mutuelle du Lac"


def test_letter_edits_with_htmx_trigger_the_preview(client_for, admin_user, make_letter):
    letter = make_letter(admin_user)
    client = client_for(admin_user)
    response = client.post(f"/resiliations/{letter.pk}/texte/", {"free_text": "Merci."}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger"] == "letter-changed"
    partial = client.get(f"/resiliations/{letter.pk}/?partial=preview", headers={"HX-Request": "true"})
    assert 'id="preview"' in partial.content.decode() and "<html" not in partial.content.decode()
    pdf = client.get(f"/resiliations/{letter.pk}/lettre.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    mandate = client.get(f"/resiliations/{letter.pk}/mandat.pdf")
    assert mandate.content.startswith(b"%PDF")
    bad = client.post(f"/resiliations/{letter.pk}/ancien-gerant/", {"email": "nope"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "adresse e-mail" in bad.content.decode()


def test_subscriber_edit_page(client_for, admin_user, make_letter):
    letter = make_letter(admin_user)
    client = client_for(admin_user)
    response = client.post(f"/resiliations/{letter.pk}/souscripteur/", {**SUBSCRIBER, "last_name": "DUPONT",
                                                                        "first_name": "Jeanne", "civility": "MME"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.subscriber_display == "Madame DUPONT Jeanne"


def test_list_filters_folders_and_trash(client_for, admin_user, make_letter):
    first = make_letter(admin_user, reference="REF-A")
    second = make_letter(admin_user, reference="REF-B")
    client = client_for(admin_user)
    page = client.get("/resiliations/", {"contract": "REF-B"}).content.decode()
    assert f'>{second.pk}</a>' in page and f'>{first.pk}</a>' not in page
    client.post(f"/resiliations/{first.pk}/corbeille/")
    assert f'>{first.pk}</a>' not in client.get("/resiliations/").content.decode()
    trash = client.get("/resiliations/", {"dossier": "trash"}).content.decode()
    assert f'>{first.pk}</a>' in trash and "Restaurer" in trash
    assert "Courriers à terminer" in trash


def test_list_query_count_does_not_grow(client_for, admin_user, make_letter, django_assert_max_num_queries):
    client = client_for(admin_user)
    make_letter(admin_user)
    with django_assert_max_num_queries(12) as small:
        client.get("/resiliations/")
    for index in range(9):
        letter = make_letter(admin_user, reference=f"R{index}")
        services.letter_contract_add(letter=letter, contract=services.ContractData(
            contract_type="home_owner", reference=f"H{index}", reason="main_due_date", main_due_date=date(2026, 9, 1)))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/resiliations/")
    assert response.content.decode().count("/resiliations/nouvelle/?depuis=") == 10


def test_excel_export(client_for, admin_user, make_letter, django_assert_max_num_queries):
    tricky = make_letter(admin_user)
    services.letter_subscriber_update(letter=tricky, subscriber=services.SubscriberData(
        **{**SUBSCRIBER, "last_name": "=HYPERLINK(1)"}))
    for index in range(5):
        make_letter(admin_user, reference=f"X{index}")
    client = client_for(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get("/resiliations/export.xlsx")
        content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "N°" and len(rows) == 7
    assert any(str(row[1]).startswith("'=HYPERLINK") for row in rows[1:])


@pytest.mark.parametrize("folder", ["all", "drafts", "scheduled", "sent", "trash"])
def test_every_folder_renders(client_for, admin_user, folder):
    assert client_for(admin_user).get("/resiliations/", {"dossier": folder}).status_code == 200


def test_contract_edit_page(client_for, admin_user, make_letter):
    letter = make_letter(admin_user, reference="OLD")
    contract = letter.contracts.get()
    client = client_for(admin_user)
    page = client.get(f"/resiliations/{letter.pk}/contrats/{contract.pk}/modifier/").content.decode()
    assert 'value="OLD"' in page
    bad = client.post(f"/resiliations/{letter.pk}/contrats/{contract.pk}/modifier/", {"reference": "NEW",
                                                                                     "reason": "main_due_date"})
    assert "obligatoire" in bad.content.decode()
    client.post(f"/resiliations/{letter.pk}/contrats/{contract.pk}/modifier/",
                {"reference": "NEW", "reason": "main_due_date", "main_due_date": "2026-09-01"})
    contract.refresh_from_db()
    assert (contract.reference, contract.main_due_date) == ("NEW", date(2026, 9, 1))


def test_finalise_page_computes_hamon_dates_with_htmx(client_for, admin_user, make_letter, orias_on_file, funded):
    from resiliation import services

    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="auto", reason="hamon")
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    client = client_for(admin_user)
    page = client.get(f"/resiliations/{letter.pk}/finaliser/").content.decode()
    assert "Prise d'effet des nouveaux contrats" in page and "3,78" in page and "2,97" in page
    plan = client.get(f"/resiliations/{letter.pk}/finaliser/", {"new_contract_start": "2026-05-15",
                                                                "with_acknowledgement": "1"},
                      headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in plan and "13/04/2026" in plan and "15/05/2026" in plan
    too_soon = client.get(f"/resiliations/{letter.pk}/finaliser/", {"new_contract_start": "2026-03-10"},
                          headers={"HX-Request": "true"}).content.decode()
    assert "trop proche" in too_soon
    unconfirmed = client.post(f"/resiliations/{letter.pk}/finaliser/", {"new_contract_start": "2026-05-15",
                                                                      "with_acknowledgement": "1", "confirm": "1"})
    assert "Je confirme choisir" in unconfirmed.content.decode()
    letter.refresh_from_db()
    assert letter.status == "draft"
    done = client.post(f"/resiliations/{letter.pk}/finaliser/", {"new_contract_start": "2026-05-15",
                                                               "with_acknowledgement": "1", "confirm": "1",
                                                               "dates_confirmed": "on"})
    assert done.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.send_date) == ("scheduled", date(2026, 4, 13))
    listing = client.get("/resiliations/", {"dossier": "scheduled"}).content.decode()
    assert "Envoi programmé (13/04/2026)" in listing and "15/05/2026" in listing


def test_orias_and_mandate_pages_with_uploads(client_for, admin_user, make_letter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.resiliation.conftest import PDF_BYTES

    client = client_for(admin_user)
    bad = client.post("/resiliations/attestation-orias/", {"valid_until": "2026-12-31",
                                                           "file": SimpleUploadedFile("o.pdf", b"just text")})
    assert "n&#x27;est pas d&#x27;un type accepté" in bad.content.decode()
    ok = client.post("/resiliations/attestation-orias/", {"valid_until": "2026-12-31",
                                                          "file": SimpleUploadedFile("o.pdf", PDF_BYTES)})
    assert ok.status_code == 302
    letter = make_letter(admin_user)
    assert "Générer et joindre un mandat" in client.get(f"/resiliations/{letter.pk}/mandat/").content.decode()
    page = client.get(f"/resiliations/{letter.pk}/mandat/?mandat=generated").content.decode()
    assert "Comment signe votre client" in page and "Poursuivre avec une signature électronique" in page
    client.post(f"/resiliations/{letter.pk}/mandat/", {"choice": "scan",
                                                      "file": SimpleUploadedFile("scan.pdf", PDF_BYTES)})
    letter.refresh_from_db()
    assert letter.mandate_choice == "scan" and letter.mandate_document_id
    assert "Finaliser l'envoi</a>" in client.get(f"/resiliations/{letter.pk}/").content.decode()


def test_esign_pages_remote_and_in_person(client_for, admin_user, make_letter, funded):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal.models import OutboxMessage
    from resiliation import services

    funded(admin_user.organisation)
    client = client_for(admin_user)
    now = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Europe/Paris"))
    letters = []
    for _ in range(2):
        letter = make_letter(admin_user, contract_type="home_owner")
        services.letter_sender_mode_set(letter=letter, mode="platform")
        letters.append(services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None,
                                              send=date(2026, 3, 3), dates_confirmed=True, now=now))
    remote, in_person = letters
    form = {"email": "jean@client.test", "mobile_phone": "0612345678", "mode": "remote"}
    refused = client.post(f"/resiliations/{remote.pk}/signature/", form)
    assert "Je certifie" in refused.content.decode()
    assert client.post(f"/resiliations/{remote.pk}/signature/", {**form, "certified": "on"}).status_code == 302
    assert OutboxMessage.objects.filter(to="jean@client.test", subject__contains="Signature électronique").count() == 1
    ready = client.post(f"/resiliations/{in_person.pk}/signature/", {**form, "mode": "in_person", "certified": "on"})
    page = ready.content.decode()
    assert "Le lien de signature est prêt" in page and "03/03/2026 à 20h00" in page
    assert "/resiliations/signature/" in page
    again = client.post(f"/resiliations/{in_person.pk}/signature/", {**form, "certified": "on"})
    assert "déjà en cours" in again.content.decode()


def test_identity_pages(client_for, admin_user, funded, balance):
    from decimal import Decimal

    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    client = client_for(admin_user)
    assert "14,40" in client.get("/resiliations/identite/").content.decode()
    response = client.post("/resiliations/identite/", {"mobile_phone": "0612345678", "email": admin_user.email,
                                                       "confirmed": "on", "price_accepted": "on"})
    assert response.url == "/resiliations/identite/verification/"
    assert balance(admin_user.organisation) == before - Decimal("14.40")
    page = client.get(response.url).content.decode()
    code = page.split('id="sandbox-code">')[1].split("<")[0]
    assert "incorrect" in client.post(response.url, {"code": "x"}).content.decode()
    assert client.post(response.url, {"code": code}).status_code == 302
    assert "Votre identité est vérifiée" in client.get("/resiliations/identite/").content.decode()


# ------------------------------------------------------------------ open redirect (item 3)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)",
                                    "/\\evil.example", "http://testserver/resiliations/"])
def test_orias_page_never_redirects_off_site(client_for, admin_user, target):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from resiliation.models import OriasCertificate
    from tests.resiliation.conftest import PDF_BYTES

    response = client_for(admin_user).post(f"/resiliations/attestation-orias/?next={target}",
                                           {"valid_until": "2026-12-31",
                                            "file": SimpleUploadedFile("o.pdf", PDF_BYTES)})
    assert response.status_code == 302 and response["Location"] == "/resiliations/attestation-orias/"
    assert OriasCertificate.objects.count() == 1


def test_orias_page_goes_back_to_the_letter(client_for, admin_user, make_letter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.resiliation.conftest import PDF_BYTES

    letter = make_letter(admin_user)
    client = client_for(admin_user)
    page = client.get(f"/resiliations/{letter.pk}/").content.decode()
    assert f"/resiliations/attestation-orias/?next=/resiliations/{letter.pk}/" in page
    response = client.post(f"/resiliations/attestation-orias/?next=/resiliations/{letter.pk}/",
                           {"valid_until": "2026-12-31", "file": SimpleUploadedFile("o.pdf", PDF_BYTES)})
    assert response["Location"] == f"/resiliations/{letter.pk}/"


def test_cancel_redirects_only_on_site(client_for, admin_user, make_letter):
    letter = make_letter(admin_user)
    client = client_for(admin_user)
    evil = client.post(f"/resiliations/{letter.pk}/annuler/", {"next": "https://evil.example/"})
    assert evil["Location"] == f"/resiliations/{letter.pk}/"
    back = client.post(f"/resiliations/{letter.pk}/annuler/", {"next": "/resiliations/"})
    assert back["Location"] == "/resiliations/"


# ------------------------------------------------------------- « Autre catégorie » (item 16)


def test_autre_categorie_can_join_a_hamon_letter(client_for, admin_user, make_letter):
    letter = make_letter(admin_user, contract_type="auto", reason="hamon")
    client = client_for(admin_user)
    types = client.get(f"/resiliations/{letter.pk}/contrats/ajouter/").content.decode()
    assert "Autre catégorie" in types and f"/resiliations/{letter.pk}/contrats/ajouter/other/" in types
    response = client.post(f"/resiliations/{letter.pk}/contrats/ajouter/other/", {
        "reference": "AFF-1", "custom_type": "Assurance affinitaire", "reason": "hamon",
        "new_insurer": "AXA FRANCE IARD"})
    assert response.status_code == 302
    assert letter.contracts.filter(contract_type="other", reason="hamon").exists()


# --------------------------------------------- signed and held letters on the pages (12, 14)


def test_an_e_signed_letter_shows_no_cancel_nor_date_change(client_for, admin_user, make_letter, funded, e_signed):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from resiliation import services

    now = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Europe/Paris"))
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="home_owner")
    services.letter_sender_mode_set(letter=letter, mode="platform")
    letter = services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None,
                                    send=date(2026, 3, 5), dates_confirmed=True, now=now)
    client = client_for(admin_user)
    cancel = f'action="/resiliations/{letter.pk}/annuler/"'
    assert cancel in client.get("/resiliations/").content.decode()
    e_signed(letter, now=now)
    page = client.get(f"/resiliations/{letter.pk}/").content.decode()
    assert "Envoi programmé (05/03/2026)" in page and "ne peut plus être annulé ni modifié" in page
    assert cancel not in page and f'action="/resiliations/{letter.pk}/date-envoi/"' not in page
    assert cancel not in client.get("/resiliations/").content.decode()
    refused = client.post(f"/resiliations/{letter.pk}/annuler/", follow=True).content.decode()
    assert "signé électroniquement par le souscripteur" in refused


def test_a_held_letter_explains_why_and_offers_a_new_date(client_for, admin_user, make_letter, orias_on_file,
                                                          funded, at):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from resiliation import services
    from resiliation.rules import dates

    paris = ZoneInfo("Europe/Paris")
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="auto", reason="hamon")
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    start = dates.hamon_earliest_start(date(2026, 3, 4))
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=start, send=None,
                           dates_confirmed=True, now=datetime(2026, 3, 2, 10, tzinfo=paris))
    at(datetime(2026, 3, 5, 9, 0, tzinfo=paris))
    services.letter_dispatch(letter_id=letter.pk, now=datetime(2026, 3, 5, 9, 0, tzinfo=paris))
    letter.refresh_from_db()
    client = client_for(admin_user)
    listing = client.get("/resiliations/", {"dossier": "scheduled"}).content.decode()
    assert "Envoi suspendu (prévu le 04/03/2026)" in listing and "devait partir le 04/03/2026" in listing
    assert f'action="/resiliations/{letter.pk}/annuler/"' in listing
    page = client.get(f"/resiliations/{letter.pk}/").content.decode()
    proposal = dates.hamon_earliest_start(date(2026, 3, 5))
    assert 'id="held-reason"' in page and "n&#x27;est plus possible" in page
    assert f"prise d'effet des nouveaux contrats le <strong>{proposal:%d/%m/%Y}</strong>" in page
    assert f'value="{proposal:%Y-%m-%d}"' in page and "Envoyer à cette date" in page
    response = client.post(f"/resiliations/{letter.pk}/date-envoi/", {"new_contract_start": f"{proposal:%Y-%m-%d}"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.send_date, letter.new_contract_start) == ("scheduled", date(2026, 3, 5), proposal)


def _ready_to_finalise(admin_user, make_letter, orias_on_file, funded, **contract):
    from resiliation import services

    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user, **contract)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    return letter


def test_the_confirm_button_names_the_date_of_the_plan_shown(client_for, admin_user, make_letter, orias_on_file,
                                                             funded):
    """htmx refreshes the plan on each change; the button (outside the plan) follows it."""
    letter = _ready_to_finalise(admin_user, make_letter, orias_on_file, funded)
    url = f"/resiliations/{letter.pk}/finaliser/"
    client = client_for(admin_user)
    plan = client.get(url, {"send_date": "2026-03-20", "with_acknowledgement": "1"},
                      headers={"HX-Request": "true"}).content.decode()
    assert "L'envoi de votre lettre est prévu pour le <strong>20/03/2026</strong>" in plan
    actions = plan[plan.index('id="finalise-actions"'):]
    assert 'hx-swap-oob="true"' in actions[:60] and "Confirmer l'envoi le 20/03/2026" in actions


def test_au_plus_tot_posts_the_form_and_never_puts_the_token_in_the_address(client_for, admin_user, make_letter,
                                                                            orias_on_file, funded):
    letter = _ready_to_finalise(admin_user, make_letter, orias_on_file, funded, reason="hamon")
    url = f"/resiliations/{letter.pk}/finaliser/"
    client = client_for(admin_user)
    page = client.get(url).content.decode()
    assert 'formmethod="get"' not in page and 'hx-params="not csrfmiddlewaretoken' in page
    earliest = client.post(url, {"new_contract_start": "2026-09-01", "with_acknowledgement": "1", "earliest": "1"})
    text = earliest.content.decode()
    letter.refresh_from_db()
    assert earliest.status_code == 200 and letter.status == "draft"  # computed, not confirmed
    from portal import clock
    from resiliation import selectors

    plan = selectors.sending_plan(letter=letter, with_acknowledgement=True, start=None, send=None, now=clock.local_now())
    assert f'name="new_contract_start" value="{plan.start:%Y-%m-%d}"' in text
    assert f"Confirmer l'envoi le {plan.send:%d/%m/%Y}" in text


# ------------------------------------------------------------ issue 14: states, confirmations
def _scheduled(admin_user, make_letter, orias_on_file, funded):
    from portal import clock
    from resiliation import services

    letter = _ready_to_finalise(admin_user, make_letter, orias_on_file, funded)
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None,
                           send=date(2026, 3, 20), dates_confirmed=True, now=clock.local_now())
    letter.refresh_from_db()
    return letter


def test_a_letter_that_left_the_drafts_shows_its_state_instead_of_forms(client_for, admin_user, make_letter,
                                                                         orias_on_file, funded):
    letter = _scheduled(admin_user, make_letter, orias_on_file, funded)
    contract = letter.contracts.get()
    client = client_for(admin_user)
    for path in ("souscripteur/", "mandat/", "contrats/ajouter/", "contrats/ajouter/auto/",
                 f"contrats/{contract.pk}/modifier/"):
        response = client.get(f"/resiliations/{letter.pk}/{path}")
        page = html.unescape(response.content.decode())
        main = page[page.index("<main"):]
        assert response.status_code == 200, path
        assert f"Cette lettre n'est plus modifiable : <strong>{letter.tracking_label}</strong>." in main, path
        assert "<form" not in main and "<input" not in main, path
    # A POST changes nothing either.
    client.post(f"/resiliations/{letter.pk}/souscripteur/", {"last_name": "AUTRE"})
    letter.refresh_from_db()
    assert letter.last_name != "AUTRE"


def test_cancel_and_trash_ask_first_on_their_own_page_without_javascript(client_for, admin_user, make_letter,
                                                                         orias_on_file, funded):
    letter = _scheduled(admin_user, make_letter, orias_on_file, funded)
    client = client_for(admin_user)
    letter_page = client.get(f"/resiliations/{letter.pk}/").content.decode()
    assert f'<a class="button" href="/resiliations/{letter.pk}/annuler/" data-dialog-open="cancel-{letter.pk}">' \
           in letter_page
    question = html.unescape(client.get(f"/resiliations/{letter.pk}/annuler/").content.decode())
    assert f"<h1>Annuler l'envoi — lettre n° {letter.pk}</h1>" in question
    assert "Êtes-vous sûr de vouloir annuler l'envoi de cette lettre ?" in question
    letter.refresh_from_db()
    assert letter.status == "scheduled"  # asking changes nothing
    listing = client.get("/resiliations/").content.decode()
    assert f'href="/resiliations/{letter.pk}/corbeille/" data-dialog-open="trash-{letter.pk}"' in listing
    trash = html.unescape(client.get(f"/resiliations/{letter.pk}/corbeille/").content.decode())
    assert "<h1>Mettre à la corbeille — lettre n°" in trash and "Cette action N'annule PAS l'envoi." in trash
    done = client.post(f"/resiliations/{letter.pk}/annuler/", {"next": "/resiliations/"})
    letter.refresh_from_db()
    assert done["Location"] == "/resiliations/" and letter.status == "cancelled"


def test_a_bad_scan_is_reported_once_next_to_the_file(client_for, admin_user, make_letter, orias_on_file):
    from django.core.files.uploadedfile import SimpleUploadedFile

    orias_on_file(admin_user)
    letter = make_letter(admin_user)
    response = client_for(admin_user).post(f"/resiliations/{letter.pk}/mandat/?mandat=generated",
                                           {"choice": "scan", "file": SimpleUploadedFile("scan.pdf", b"pas un pdf")},
                                           follow=True)
    page = html.unescape(response.content.decode())
    message = "n'est pas d'un type accepté"
    assert page.count(message) == 1, page.count(message)


def test_the_letters_pages_keep_the_folder_and_filters(client_for, admin_user, make_letter):
    from urllib.parse import parse_qs

    for _ in range(12):
        make_letter(admin_user)
    client = client_for(admin_user)
    page = html.unescape(client.get("/resiliations/", {"dossier": "drafts", "subscriber": "Dupont"}).content.decode())
    nxt = re.search(r'href="(\?[^"]*)">Suivante', page).group(1)
    assert parse_qs(nxt[1:]) == {"dossier": ["drafts"], "subscriber": ["Dupont"], "page": ["2"]}
    second = html.unescape(client.get("/resiliations/" + nxt).content.decode())
    assert "Page 2 / 2" in second
    back = re.search(r'href="(\?[^"]*)">‹ Précédente', second).group(1)
    assert parse_qs(back[1:]) == {"dossier": ["drafts"], "subscriber": ["Dupont"], "page": ["1"]}


def test_not_attaching_the_mandate_asks_on_a_page_without_javascript(client_for, admin_user, make_letter,
                                                                     orias_on_file):
    orias_on_file(admin_user)
    letter = make_letter(admin_user)
    client = client_for(admin_user)
    link = f'href="/resiliations/{letter.pk}/mandat/?mandat=aucun" data-dialog-open="no-mandate"'
    assert link in client.get(f"/resiliations/{letter.pk}/").content.decode()
    page = html.unescape(client.get(f"/resiliations/{letter.pk}/mandat/?mandat=aucun").content.decode())
    assert "Je comprends et j'accepte la remarque ci-dessus" in page and 'value="not_attached"' in page
    client.post(f"/resiliations/{letter.pk}/mandat/?mandat=aucun", {"choice": "not_attached", "confirmed": "1"})
    letter.refresh_from_db()
    assert letter.mandate_choice == "not_attached"
