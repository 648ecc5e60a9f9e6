"""The help pages: « Demande d'aide » (prefilled by links), « Récapitulatif de mes demandes »
(tabs, search, filters, constant queries), a request's page (status explained, conversation,
reply that reopens, files), the FAQ and the footer's pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import help
from portal.forms import SEARCH_MAX_LENGTH, search_term
from portal.models import FaqCategory, FaqEntry, HelpRequest, HelpStatus, HelpSubject, SitePage
from tests.portal import help_data

pytestmark = pytest.mark.django_db


def new_request(user, **overrides) -> HelpRequest:
    return help.help_request_create(by=user, **{"subject": HelpSubject.ACCOUNT, "message": "Bonjour", **overrides})


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def file_numbers_in(response) -> list[int]:
    return [int(number) for number in re.findall(r"Dossier n° <strong>(\d{7})</strong>", response.content.decode())]


# --------------------------------------------------------------------- Demande d'aide


@pytest.mark.parametrize(("query", "subject"), [
    ("?sujet=ajout_espace", "ajout_espace"),
    ("?sujet=ajout_type_contrat", "ajout_type_contrat"),
    ("?sujet=compte&objet=Modifier+mon+nom+commercial", "compte"),
])
def test_links_open_a_prefilled_request(client_for, admin_user, query, subject):
    html = client_for(admin_user).get(f"/aide/demande/{query}").content.decode()
    assert re.search(rf'<option value="{subject}" selected>', html)
    if "objet" in query:
        assert 'value="Modifier mon nom commercial"' in html


def test_an_unknown_subject_in_a_link_prefills_nothing(client_for, admin_user):
    html = client_for(admin_user).get("/aide/demande/?sujet=impots").content.decode()
    assert re.findall(r'<option value="([^"]*)" selected>', html.split('name="subject"')[1].split("</select>")[0]) == [""]


def test_sending_a_request_with_a_file(client_for, admin_user):
    response = client_for(admin_user).post("/aide/demande/", {
        "subject": "courrier", "title": "Pli non distribué", "message": "Le pli n'est jamais arrivé.",
        "attachments": [help_data.pdf("preuve.pdf"), help_data.png()],
    }, follow=True)
    help_request = HelpRequest.objects.get()
    assert response.redirect_chain[-1][0] == f"/aide/demandes/{help_request.file_number}/"
    page = text_of(response)
    assert f"Votre demande a bien été envoyée : dossier n° {help_request.file_number}" in page
    assert "Courrier papier — Pli non distribué" in page
    assert "preuve.pdf" in page and "capture.png" in page
    assert "Demande reçue" in page


def test_a_file_that_lies_about_its_type_is_refused_next_to_its_field(client_for, admin_user):
    response = client_for(admin_user).post("/aide/demande/", {
        "subject": "autre", "message": "Voici ma facture", "attachments": [help_data.lying_pdf()]})
    assert response.status_code == 200
    assert re.search(r'id="id_attachments-error">« facture\.pdf » : Ce fichier n&#x27;est pas d&#x27;un type accepté',
                     response.content.decode())
    assert not HelpRequest.objects.exists()


def test_a_missing_subject_or_message_is_refused(client_for, admin_user):
    response = client_for(admin_user).post("/aide/demande/", {"subject": "", "message": ""})
    assert response.status_code == 200
    assert response.content.decode().count('class="error"') == 2
    assert not HelpRequest.objects.exists()


# ------------------------------------------------------------ Récapitulatif de mes demandes


def test_administrators_see_every_request_of_the_organisation_or_their_own(client_for, admin_user, collaborator,
                                                                          other_admin):
    mine = new_request(admin_user)
    colleague = new_request(collaborator)
    new_request(other_admin)
    client = client_for(admin_user)
    everything = client.get("/aide/demandes/")
    assert "Toutes les demandes" in everything.content.decode()
    assert sorted(file_numbers_in(everything)) == sorted([mine.file_number, colleague.file_number])
    assert file_numbers_in(client.get("/aide/demandes/?vue=mes")) == [mine.file_number]


def test_a_collaborator_sees_their_own_requests_only(client_for, admin_user, collaborator):
    new_request(admin_user)
    own = new_request(collaborator)
    response = client_for(collaborator).get("/aide/demandes/")
    assert file_numbers_in(response) == [own.file_number]
    assert "Toutes les demandes" not in response.content.decode()


def test_search_by_dossier_number_or_content_never_by_an_internal_note(client_for, admin_user, accounting_user):
    address = new_request(admin_user, message="Changement d'adresse du siège")
    credits = new_request(admin_user, subject=HelpSubject.CREDITS, message="Facture manquante")
    help.help_request_note(help_request=credits, by=accounting_user, message="adresse à vérifier en interne")
    help.help_request_answer(help_request=credits, by=accounting_user, status=HelpStatus.RECEIVED,
                             message="Nous regardons votre relevé.")
    client = client_for(admin_user)
    assert file_numbers_in(client.get(f"/aide/demandes/?q={credits.file_number}")) == [credits.file_number]
    assert file_numbers_in(client.get("/aide/demandes/?q=adresse")) == [address.file_number]
    assert file_numbers_in(client.get("/aide/demandes/?q=relevé")) == [credits.file_number]


def test_filters_by_status_subject_and_period(client_for, admin_user, accounting_user, set_now):
    set_now("2026-02-10T09:00")
    old = new_request(admin_user, subject=HelpSubject.RESILIATION)
    set_now("2026-03-02T10:00")
    recent = new_request(admin_user, subject=HelpSubject.CREDITS)
    help.help_request_close(help_request=recent, by=accounting_user)
    client = client_for(admin_user)
    assert file_numbers_in(client.get("/aide/demandes/?statut=closed")) == [recent.file_number]
    assert file_numbers_in(client.get("/aide/demandes/?statut=received")) == [old.file_number]
    assert file_numbers_in(client.get("/aide/demandes/?sujet=resiliation")) == [old.file_number]
    assert file_numbers_in(client.get("/aide/demandes/?du=2026-03-01&au=2026-03-31")) == [recent.file_number]
    assert file_numbers_in(client.get("/aide/demandes/?au=2026-02-28")) == [old.file_number]
    assert "Filtre (2)" in client.get("/aide/demandes/?du=2026-03-01&au=2026-03-31").content.decode()


def test_a_period_that_ends_before_it_starts_is_explained(client_for, admin_user):
    response = client_for(admin_user).get("/aide/demandes/?du=2026-03-10&au=2026-03-01")
    assert "La fin de la période précède son début." in response.content.decode()


def test_the_list_shows_the_date_object_sender_and_status(client_for, collaborator, accounting_user, admin_user):
    help_request = new_request(collaborator, subject=HelpSubject.AMIABLE, title="Police 12")
    help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.AWAITING_USER,
                             message="Un justificatif ?")
    row = text_of(client_for(admin_user).get("/aide/demandes/"))
    assert (f"02/03/2026 Dossier n° {help_request.file_number} Cycle amiable Police 12 Émise le 02/03/2026 par "
            f"Colin Collab En attente de votre retour") in row


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/aide/demandes/?q=Bonjour&statut=received")
    assert response.status_code == 200
    return len(queries)


def test_the_list_answers_from_a_constant_number_of_queries(client_for, admin_user, collaborator):
    client = client_for(admin_user)
    for index in range(10):
        new_request(collaborator if index % 2 else admin_user)
    few = _list_queries(client)
    for index in range(990):
        new_request(collaborator if index % 2 else admin_user)
    assert HelpRequest.objects.count() == 1000
    assert _list_queries(client) == few


# ------------------------------------------------------------------ a request's page


def test_the_awaiting_status_is_explained_and_internal_notes_never_shown(client_for, admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_note(help_request=help_request, by=accounting_user, message="NOTE SECRETE")
    help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.AWAITING_USER,
                             message="Envoyez-nous votre K-bis.")
    page = text_of(client_for(admin_user).get(f"/aide/demandes/{help_request.file_number}/"))
    assert "En attente de votre retour" in page
    assert help.STATUS_EXPLANATIONS[HelpStatus.AWAITING_USER] in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "Envoyez-nous votre K-bis." in page
    assert "NOTE SECRETE" not in page


def test_replying_on_the_page_reopens_the_request(client_for, admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.CLOSED, message="Fini.")
    response = client_for(admin_user).post(f"/aide/demandes/{help_request.file_number}/",
                                           {"message": "Pas tout à fait", "attachments": [help_data.pdf("kbis.pdf")]},
                                           follow=True)
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.RECEIVED
    page = text_of(response)
    assert "Votre message a bien été envoyé à votre conseiller." in page
    assert "Pas tout à fait" in page and "kbis.pdf" in page


def test_an_empty_reply_is_refused_and_changes_nothing(client_for, admin_user, accounting_user):
    help_request = new_request(admin_user)
    help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.CLOSED, message="Fini.")
    response = client_for(admin_user).post(f"/aide/demandes/{help_request.file_number}/", {"message": ""})
    assert response.status_code == 200
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.CLOSED


def test_a_file_of_the_conversation_downloads_as_sent(client_for, admin_user):
    help_request = new_request(admin_user, attachments=[help_data.pdf("preuve.pdf")])
    attachment = help_request.messages.get().attachments.get()
    response = client_for(admin_user).get(f"/aide/demandes/{help_request.file_number}/pieces/{attachment.pk}/")
    assert b"".join(response.streaming_content) == help_data.PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="preuve.pdf"' in response["Content-Disposition"]


def _detail_queries(client, help_request) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/aide/demandes/{help_request.file_number}/").status_code == 200
    return len(queries)


def test_a_requests_page_answers_from_a_constant_number_of_queries(client_for, admin_user, accounting_user):
    help_request = new_request(admin_user, attachments=[help_data.pdf()])
    client = client_for(admin_user)
    few = _detail_queries(client, help_request)
    for index in range(15):
        help.help_request_answer(help_request=help_request, by=accounting_user, status=HelpStatus.AWAITING_USER,
                                 message=f"Question {index}", attachments=[help_data.pdf(f"q{index}.pdf")])
        help.help_request_reply(help_request=help_request, by=admin_user, message=f"Réponse {index}")
    assert _detail_queries(client, help_request) == few


# ------------------------------------------------------------------------------ FAQ


def test_the_faq_starts_with_seed_002s_answers_adapted_to_the_portal(client_for):
    page = text_of(client_for(None).get("/aide/questions-frequentes/"))
    for question in ("J'ai une question sur une demande en cours. Puis-je échanger avec un conseiller ?",
                     "Ma demande est « en attente de votre retour ». Pourquoi ?",
                     "Comment ajouter un utilisateur ?"):
        assert question.replace("'", "&#x27;") in page
    assert "adresse e-mail professionnelle (non générique" in page
    assert FaqCategory.objects.count() >= 3 and FaqEntry.objects.count() >= 9


def test_the_faq_is_searchable_and_shows_only_published_entries(client_for):
    category = FaqCategory.objects.create(name="Essais", position=99)
    FaqEntry.objects.create(category=category, question="Question zanzibar publiée ?", answer="Oui **zanzibar**.")
    FaqEntry.objects.create(category=category, question="Question zanzibar cachée ?", answer="Non.",
                            is_published=False)
    found = client_for(None).get("/aide/questions-frequentes/?q=zanzibar").content.decode()
    assert "Question zanzibar publiée ?" in found and "<strong>zanzibar</strong>" in found
    assert "cachée" not in found
    assert "Comment ajouter un utilisateur" not in found
    assert "Aucune question ne correspond" in client_for(None).get("/aide/questions-frequentes/?q=xyzzy").content.decode()


@pytest.mark.parametrize("typed", ["\x00", "zanzibar\x00", "\x00\x01\u200b"])
def test_the_faq_search_ignores_control_characters(client_for, typed):
    """PostgreSQL refuses NUL in text: the search box drops control characters, never a 500."""
    category = FaqCategory.objects.create(name="Essais", position=99)
    FaqEntry.objects.create(category=category, question="Question zanzibar publiée ?", answer="Oui.")
    response = client_for(None).get("/aide/questions-frequentes/", {"q": typed})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()
    if "zanzibar" in typed:
        assert "Question zanzibar publiée ?" in response.content.decode()


def test_search_term_keeps_words_and_drops_what_a_query_cannot_hold():
    assert search_term({"q": "  Dupont\x00 et\tfils  "}) == "Dupont et fils"
    assert search_term({"q": "é" * 300}) == "é" * SEARCH_MAX_LENGTH
    assert search_term({}) == "" and search_term({"q": ["liste"]}) == ""


def test_the_faq_answers_from_a_constant_number_of_queries(client_for, django_assert_max_num_queries):
    category = FaqCategory.objects.create(name="Nombreuses", position=50)
    FaqEntry.objects.bulk_create([FaqEntry(category=category, question=f"Q{i} ?", answer="R") for i in range(100)])
    with django_assert_max_num_queries(4):
        client_for(None).get("/aide/questions-frequentes/")


# ---------------------------------------------------------------- the footer's pages


def test_the_legal_pages_name_the_insurer_and_details_from_the_settings(client_for, settings):
    settings.PORTAL_INSURER_NAME = "Mutuelle Essai"
    settings.PORTAL_LEGAL = {**settings.PORTAL_LEGAL, "dpo_contact": "dpo@essai.test",
                             "directeur_publication": "Jeanne Directrice", "hebergeur": ""}
    privacy = text_of(client_for(None).get("/pages/confidentialite/"))
    assert "Mutuelle Essai" in privacy and "dpo@essai.test" in privacy
    assert "14 jours après la remise à La Poste" in privacy
    for heading in ("Responsable du traitement", "Finalité", "Base légale", "Durées de conservation", "Vos droits"):
        assert heading in privacy
    legal = text_of(client_for(None).get("/pages/mentions-legales/"))
    assert "Jeanne Directrice" in legal
    assert "[à renseigner]" in legal  # the host is not set
    assert "{{" not in legal


def test_a_page_edited_by_staff_is_shown_sanitised(client_for):
    SitePage.objects.filter(slug="demos").update(
        body="## Vidéos\n\n<script>alert(1)</script>\n\n[piège](javascript:alert(1)) [ok](https://exemple.test)")
    html = client_for(None).get("/pages/demos/").content.decode()
    assert "<h2>Vidéos</h2>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    assert '<a href="https://exemple.test" rel="noopener noreferrer nofollow">ok</a>' in html


def test_the_request_dates_come_from_the_business_clock(admin_user, set_now):
    set_now("2026-05-04T08:15")
    help_request = new_request(admin_user)
    assert help_request.created_at.isoformat().startswith("2026-05-04T08:15")
