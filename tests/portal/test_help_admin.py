"""Staff work help requests in the admin: the queue, assignment, answers (e-mailed), internal
notes (never e-mailed), status, close — all through ``portal.help``."""

from __future__ import annotations

import re

import pytest

from portal import help
from portal.models import HelpMessageKind, HelpRequest, HelpStatus, HelpSubject, OutboxMessage
from tests.portal import help_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(accounting_user):
    return accounting_user


def new_request(user, **overrides) -> HelpRequest:
    return help.help_request_create(by=user, **{"subject": HelpSubject.ACCOUNT, "message": "Bonjour", **overrides})


def answer_url(help_request) -> str:
    return f"/admin/portal/helprequest/{help_request.pk}/repondre/"


def test_the_queue_filters_by_status_subject_and_assignment(client_for, clerk, admin_user, collaborator):
    received = new_request(admin_user, subject=HelpSubject.CREDITS, title="Facture de février")
    closed = new_request(collaborator, subject=HelpSubject.SPACE)
    help.help_request_close(help_request=closed, by=clerk)
    help.help_request_assign(help_request=received, by=clerk, clerk=clerk)
    client = client_for(clerk)

    def listed(query: str) -> set[int]:
        html = client.get(f"/admin/portal/helprequest/{query}").content.decode()
        return {int(number) for number in re.findall(r"/admin/portal/helprequest/\d+/change/[^>]*>(\d{7})<", html)}

    assert listed("") == {received.file_number, closed.file_number}
    assert listed("?status__exact=closed") == {closed.file_number}
    assert listed("?subject__exact=credits") == {received.file_number}
    assert listed("?attribuee=moi") == {received.file_number}
    assert listed("?attribuee=personne") == {closed.file_number}
    assert listed(f"?q={closed.file_number}") == {closed.file_number}
    assert listed("?q=février") == {received.file_number}


def test_a_clerk_answers_and_the_requester_and_administrator_are_emailed(client_for, clerk, admin_user, collaborator):
    help_request = new_request(collaborator)
    response = client_for(clerk).post(answer_url(help_request), {
        "kind": "answer", "message": "Merci d'envoyer votre K-bis.", "status": HelpStatus.AWAITING_USER,
        "attachments": [help_data.pdf("modele.pdf")]})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/portal/helprequest/{help_request.pk}/change/"
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.AWAITING_USER
    assert sorted(OutboxMessage.objects.values_list("to", flat=True)) == sorted([collaborator.email, admin_user.email])
    answer = help_request.messages.get(kind=HelpMessageKind.ANSWER)
    assert answer.author == clerk
    assert [a.document.original_name for a in answer.attachments.all()] == ["modele.pdf"]


def test_an_internal_note_from_the_admin_is_not_emailed(client_for, clerk, admin_user):
    help_request = new_request(admin_user)
    client_for(clerk).post(answer_url(help_request), {"kind": "note", "message": "À rappeler lundi.",
                                                      "status": HelpStatus.RECEIVED})
    assert help_request.messages.filter(kind=HelpMessageKind.NOTE, body="À rappeler lundi.").exists()
    assert not OutboxMessage.objects.exists()
    change = client_for(clerk).get(f"/admin/portal/helprequest/{help_request.pk}/change/").content.decode()
    assert "À rappeler lundi." in change and "Note interne" in change


def test_closing_without_a_message_from_the_admin(client_for, clerk, admin_user):
    help_request = new_request(admin_user)
    client_for(clerk).post(answer_url(help_request), {"kind": "answer", "message": "", "status": HelpStatus.CLOSED})
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.CLOSED
    assert not OutboxMessage.objects.exists()


def test_an_empty_answer_that_changes_nothing_is_refused(client_for, clerk, admin_user):
    help_request = new_request(admin_user)
    response = client_for(clerk).post(answer_url(help_request), {"kind": "answer", "message": "",
                                                                 "status": HelpStatus.RECEIVED})
    assert response.status_code == 200
    assert "Écrivez votre réponse ou changez le statut." in response.content.decode()
    assert help_request.messages.count() == 1


def test_a_lying_file_in_an_answer_is_refused_and_nothing_is_sent(client_for, clerk, admin_user):
    help_request = new_request(admin_user)
    response = client_for(clerk).post(answer_url(help_request), {
        "kind": "answer", "message": "Voici", "status": HelpStatus.CLOSED, "attachments": [help_data.lying_pdf()]})
    assert response.status_code == 200
    assert "Ce fichier n&#x27;est pas d&#x27;un type accepté" in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.status == HelpStatus.RECEIVED
    assert not OutboxMessage.objects.exists()


def test_assigning_a_clerk_on_the_change_page(client_for, clerk, admin_user):
    help_request = new_request(admin_user)
    response = client_for(clerk).post(f"/admin/portal/helprequest/{help_request.pk}/change/",
                                      {"assigned_to": clerk.pk, "_save": "Enregistrer"})
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.assigned_to == clerk
    assert help_request.messages.filter(kind=HelpMessageKind.NOTE, body__startswith="Attribuée à").exists()


def test_a_brokers_account_is_not_offered_for_assignment(client_for, clerk, admin_user):
    help_request = new_request(admin_user)
    response = client_for(clerk).post(f"/admin/portal/helprequest/{help_request.pk}/change/",
                                      {"assigned_to": admin_user.pk, "_save": "Enregistrer"})
    assert response.status_code == 200  # the form's error
    help_request.refresh_from_db()
    assert help_request.assigned_to is None


def test_bulk_actions_assign_to_me_and_close(client_for, clerk, admin_user):
    first, second = new_request(admin_user), new_request(admin_user)
    client = client_for(clerk)
    ids = [first.pk, second.pk]
    client.post("/admin/portal/helprequest/", {"action": "assign_to_me", "_selected_action": ids})
    client.post("/admin/portal/helprequest/", {"action": "close_requests", "_selected_action": ids})
    for help_request in (first, second):
        help_request.refresh_from_db()
        assert (help_request.assigned_to, help_request.status) == (clerk, HelpStatus.CLOSED)


def test_staff_download_a_requests_file(client_for, clerk, admin_user):
    help_request = new_request(admin_user, attachments=[help_data.pdf("preuve.pdf")])
    attachment = help_request.messages.get().attachments.get()
    response = client_for(clerk).get(f"/admin/portal/helprequest/{help_request.pk}/pieces/{attachment.pk}/")
    assert b"".join(response.streaming_content) == help_data.PDF


def test_the_change_page_offers_the_answer_form(client_for, clerk, admin_user):
    help_request = new_request(admin_user, message="Mon message initial")
    html = client_for(clerk).get(f"/admin/portal/helprequest/{help_request.pk}/change/").content.decode()
    assert f'action="/admin/portal/helprequest/{help_request.pk}/repondre/"' in html
    assert "Mon message initial" in html


def test_the_conversation_shows_every_message_escaped_in_paris_time(client_for, clerk, admin_user, set_now):
    set_now("2026-03-02T10:00")
    help_request = new_request(admin_user, message="<b>gras</b>\nligne 2")
    help.help_request_note(help_request=help_request, by=clerk, message="Note pour l'équipe")
    html = client_for(clerk).get(f"/admin/portal/helprequest/{help_request.pk}/change/").content.decode()
    assert "<p>&lt;b&gt;gras&lt;/b&gt;<br>ligne 2</p>" in html
    assert "02/03/2026 10:00" in html
    assert "Note interne</strong>" in html and "Note pour l&#x27;équipe" in html


def test_staff_edit_a_footer_page_and_the_public_sees_it(client_for, clerk):
    from portal.models import SitePage

    page = SitePage.objects.get(slug="mentions-legales")
    response = client_for(clerk).post(f"/admin/portal/sitepage/{page.pk}/change/", {
        "title": "Mentions légales", "body": "## Éditeur\n\n{{ assureur }}, **nouvelle adresse**.", "_save": "1"})
    assert response.status_code == 302
    html = client_for(None).get("/pages/mentions-legales/").content.decode()
    assert "<h2>Éditeur</h2>" in html and "<p>L'Auxiliaire, <strong>nouvelle adresse</strong>.</p>" in html


def test_staff_add_a_faq_entry_and_unpublish_it(client_for, clerk):
    from portal.models import FaqCategory, FaqEntry

    category = FaqCategory.objects.first()
    client = client_for(clerk)
    client.post("/admin/portal/faqentry/add/", {"category": category.pk, "question": "Question toute neuve ?",
                                                "answer": "Réponse.", "position": 1, "is_published": "on",
                                                "_save": "1"})
    assert "Question toute neuve ?" in client_for(None).get("/aide/questions-frequentes/").content.decode()
    entry = FaqEntry.objects.get(question="Question toute neuve ?")
    client.post(f"/admin/portal/faqentry/{entry.pk}/change/", {"category": category.pk, "question": entry.question,
                                                               "answer": "Réponse.", "position": 1, "_save": "1"})
    assert "Question toute neuve ?" not in client_for(None).get("/aide/questions-frequentes/").content.decode()
