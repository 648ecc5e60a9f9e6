"""The paper-mail pages as a user sees them: new envelope, editor, confirmation, detail, list."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import EntryKind, LedgerEntry
from courrier import services
from courrier.models import Envelope, Status
from portal import clock
from portal.formatting import format_money
from tests.courrier.conftest import pdf_upload, png_bytes, upload

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def money(amount) -> str:
    return format_money(amount).replace("\xa0", " ").replace("\u202f", " ")


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").replace("&quot;", '"')


def test_new_envelope_adds_the_files_in_order(client_for, admin_user):
    client = client_for(admin_user)
    page = client.get("/courriers/nouveau/")
    assert "Ajouter +" in text(page) and "Lettre verte (J+2)" in text(page)
    response = client.post("/courriers/nouveau/", {"mode": "ecopli", "documents": [
        pdf_upload("courrier.pdf", 2), upload("facture.png", png_bytes(), "image/png")]})
    envelope = Envelope.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/courriers/{envelope.pk}/"
    assert envelope.mode == "ecopli" and list(envelope.documents.values_list("name", "pages")) == [
        ("courrier.pdf", 2), ("facture.png", 1)]


def test_a_refused_file_is_explained_next_to_the_field_and_creates_nothing(client_for, admin_user):
    response = client_for(admin_user).post("/courriers/nouveau/", {"mode": "ecopli", "documents": [
        upload("lettre.pdf", b"du texte qui se dit PDF")]})
    assert response.status_code == 400
    assert re.search(r'<p class="error" id="id_documents-error">[^<]*son contenu ne correspond pas',
                     response.content.decode().replace("&#x27;", "'"))
    assert not Envelope.objects.exists()


def test_the_editor_shows_the_detected_address_and_the_price(client_for, admin_user, make_envelope):
    envelope = make_envelope(admin_user, uploads=[pdf_upload("courrier.pdf", 3)], recipient=None)
    client = client_for(admin_user)
    page = text(client.get(f"/courriers/{envelope.pk}/"))
    assert "Mr DUPONT Jean 1 Rue de la République 38000 GRENOBLE" in page
    assert "Utiliser l'adresse du premier document (-0,10 €)" in page
    assert "Saisir manuellement l'adresse du destinataire (+0,16 €)" in page
    assert "Indiquez le destinataire" in page
    # « Utiliser l'adresse du premier document » with htmx: the editor partial comes back.
    response = client.post(f"/courriers/{envelope.pk}/destinataire/premier-document/", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    quote = services.envelope_quote(envelope=Envelope.objects.get(pk=envelope.pk), on=clock.business_today())
    assert "L'adresse du premier document est utilisée" in text(response)
    assert f"Prix du courrier {money(quote.total)}" in text(response)
    assert f'href="/courriers/{envelope.pk}/envoi/?envoi=maintenant"' in response.content.decode()


def test_typed_address_errors_are_shown_next_to_their_field(client_for, admin_user, make_envelope):
    envelope = make_envelope(admin_user, recipient=None)
    response = client_for(admin_user).post(f"/courriers/{envelope.pk}/destinataire/", {
        "recipient-name": "SARL DUPOND", "recipient-lines": "1 rue des Fleurs\n" + "x" * 39,
        "recipient-postal_code": "380", "recipient-city": "Grenoble"}, headers=HTMX)
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert re.search(r'id="id_recipient-lines-error">[^<]*38 caractères \(ligne 2\)', html)
    assert re.search(r'id="id_recipient-postal_code-error">Le code postal comporte 5 chiffres', html)
    assert Envelope.objects.get(pk=envelope.pk).recipient_source == ""


def test_reorder_by_drag_and_drop_and_buttons(client_for, admin_user, make_envelope):
    envelope = make_envelope(admin_user, uploads=[pdf_upload("a.pdf"), pdf_upload("b.pdf", address=False)])
    a, b = envelope.documents.all()
    client = client_for(admin_user)
    client.post(f"/courriers/{envelope.pk}/documents/ordre/", {"order": [b.pk, a.pk]}, headers=HTMX)
    assert list(envelope.documents.values_list("name", flat=True)) == ["b.pdf", "a.pdf"]
    response = client.post(f"/courriers/{envelope.pk}/documents/{a.pk}/deplacer/", {"direction": "up"})
    assert response.status_code == 302
    assert list(envelope.documents.values_list("name", flat=True)) == ["a.pdf", "b.pdf"]
    bad = client.post(f"/courriers/{envelope.pk}/documents/ordre/", {"order": [a.pk]}, headers=HTMX)
    assert bad.status_code == 400 and "rechargez la page" in text(bad)


def test_staple_is_offered_from_three_pages(client_for, admin_user, make_envelope):
    envelope = make_envelope(admin_user, uploads=[pdf_upload("a.pdf", 2)])
    client = client_for(admin_user)
    assert "L'agrafage est proposé dès qu'un document compte au moins 3 pages" in text(
        client.get(f"/courriers/{envelope.pk}/"))
    client.post(f"/courriers/{envelope.pk}/documents/", {"documents": [pdf_upload("b.pdf", 3)]}, headers=HTMX)
    response = client.post(f"/courriers/{envelope.pk}/options/", {"mode": "lettre_verte", "colour": "on",
                                                                   "duplex": "on", "staple": "on"}, headers=HTMX)
    envelope.refresh_from_db()
    assert envelope.staple and envelope.colour and envelope.duplex
    assert response.content.decode().count('<span class="badge">agrafé</span>') == 1  # only b.pdf (3 pages)


def _confirm(client, envelope, query="envoi=maintenant"):
    page = client.get(f"/courriers/{envelope.pk}/envoi/?{query}")
    html = page.content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return page, hidden


def test_the_confirmation_screen_shows_what_will_be_sent(client_for, admin_user, make_envelope, funded):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user, uploads=[pdf_upload("a.pdf", 3)])
    page, hidden = _confirm(client_for(admin_user), envelope)
    envelope.refresh_from_db()
    content = text(page)
    assert page.status_code == 200
    assert "Visuel du courrier tel qu'il sera imprimé" in content
    assert len(re.findall(rf'src="/courriers/{envelope.pk}/visuel/\d+\.png"', page.content.decode())) == \
        envelope.print_pages == 1 + 1 + 3 + 1  # address page + blank back, 3 pages + blank back
    assert "SARL DUPOND 1 rue des Fleurs 38000 GRENOBLE" in content
    assert "Prise en charge par La Poste lundi 02/03/2026" in content
    assert "plus possible de l'annuler ni de le modifier" in content
    quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
    assert f"Coût total TTC {money(quote.total)}" in content
    assert Decimal(hidden["accepted_price"]) == quote.total and hidden["accepted_handover_date"] == "2026-03-02"
    image = client_for(admin_user).get(f"/courriers/{envelope.pk}/visuel/1.png")
    assert image.status_code == 200 and b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_send_from_the_confirmation_screen_once(client_for, admin_user, make_envelope, funded):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    client = client_for(admin_user)
    _, hidden = _confirm(client, envelope)
    first = client.post(f"/courriers/{envelope.pk}/envoi/", hidden)
    second = client.post(f"/courriers/{envelope.pk}/envoi/", hidden)  # a double click
    assert first.status_code == second.status_code == 302
    assert LedgerEntry.objects.filter(kind=EntryKind.DEBIT).count() == 1
    detail = text(client.get(f"/courriers/{envelope.pk}/"))
    assert "est remis à La Poste le 02/03/2026" in detail and "Programmé le 02/03/2026" in detail
    assert "Modifier la date d'envoi" not in detail  # « Envoyer maintenant » is final


def test_insufficient_credit_links_to_buying_credits(client_for, admin_user, make_envelope):
    from billing.services import price_list_install_defaults

    price_list_install_defaults()
    envelope = make_envelope(admin_user)
    client = client_for(admin_user)
    _, hidden = _confirm(client, envelope)
    response = client.post(f"/courriers/{envelope.pk}/envoi/", hidden)
    assert response.status_code == 400
    assert "Crédit insuffisant" in text(response)
    assert 'href="/facturation/achat-de-credits/"' in response.content.decode()
    assert Envelope.objects.get(pk=envelope.pk).status == Status.DRAFT


def test_a_price_that_changed_shows_the_new_price(client_for, admin_user, make_envelope, funded):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    client = client_for(admin_user)
    _, hidden = _confirm(client, envelope)
    services.documents_add(envelope=envelope, uploads=[pdf_upload("annexe.pdf", 4)])  # another tab
    response = client.post(f"/courriers/{envelope.pk}/envoi/", hidden)
    new = services.envelope_quote(envelope=Envelope.objects.get(pk=envelope.pk), on=clock.business_today())
    assert response.status_code == 400
    assert f"Le prix a changé : ce courrier coûte maintenant {money(new.total)}" in text(response)
    assert f"Coût total TTC {money(new.total)}" in text(response)
    assert Envelope.objects.get(pk=envelope.pk).status == Status.DRAFT


def test_schedule_a_saturday(client_for, admin_user, make_envelope, funded):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    client = client_for(admin_user)
    today = client.get(f"/courriers/{envelope.pk}/envoi/?envoi=programmer&send_on=2026-03-02")
    assert today.status_code == 400 and "au plus tôt demain" in text(today)
    page, hidden = _confirm(client, envelope, "envoi=programmer&send_on=2026-03-07")
    assert "Le 07/03/2026 n'est pas un jour ouvré" in text(page) and "lundi 09/03/2026" in text(page)
    assert client.post(f"/courriers/{envelope.pk}/envoi/", hidden).status_code == 302
    envelope.refresh_from_db()
    assert (envelope.send_on, envelope.handover_date) == (date(2026, 3, 7), date(2026, 3, 9))
    detail = text(client.get(f"/courriers/{envelope.pk}/"))
    assert "Modifier la date d'envoi" in detail and "Annuler" in detail


def test_reschedule_and_cancel_from_the_detail(client_for, admin_user, make_envelope, funded, send, balance):
    funded(admin_user.organisation)
    envelope = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 10))
    client = client_for(admin_user)
    wrong = client.post(f"/courriers/{envelope.pk}/date-envoi/", {"send_on": "2026-03-01"})
    assert wrong.status_code == 400 and "au plus tôt demain" in text(wrong)
    client.post(f"/courriers/{envelope.pk}/date-envoi/", {"send_on": "2026-03-12"})
    assert Envelope.objects.get(pk=envelope.pk).send_on == date(2026, 3, 12)
    client.post(f"/courriers/{envelope.pk}/annuler/")
    assert Envelope.objects.get(pk=envelope.pk).status == Status.CANCELLED
    assert balance(admin_user.organisation) == Decimal("50.00")
    history = text(client.get(f"/courriers/{envelope.pk}/"))
    assert "Date d'envoi modifiée" in history and "Envoi annulé et remboursé" in history


def test_erase_a_draft_from_the_list(client_for, admin_user, make_envelope):
    envelope = make_envelope(admin_user)
    client = client_for(admin_user)
    assert "Effacer" in text(client.get("/courriers/"))
    response = client.post(f"/courriers/{envelope.pk}/effacer/")
    assert response.status_code == 302 and not Envelope.objects.exists()


# ------------------------------------------------------------------------------------ list


def test_the_list_has_the_seed_columns(client_for, admin_user, make_envelope, funded, send):
    funded(admin_user.organisation)
    sent = send(make_envelope(admin_user, mode="recommande_ar", sender=True), admin_user)
    draft = make_envelope(admin_user, recipient=None)
    page = client_for(admin_user).get("/courriers/")
    content = text(page)
    assert "# Expéditeur Destinataire Mode d'envoi Créé par État Suivi postal" in content
    assert (f"[{sent.number}] Cabinet Un 38000 GRENOBLE SARL DUPOND 38000 GRENOBLE Recommandé avec AR Ada Admin "
            "Programmé Le 02/03/2026") in content
    assert f"[{draft.number}] --- --- Lettre verte Ada Admin Création Effacer" in content


@pytest.fixture
def many(admin_user, courrier_collaborator, make_envelope, funded, send):
    funded(admin_user.organisation, "100.00")
    rows = {
        "verte": make_envelope(admin_user),
        "ecopli": make_envelope(admin_user, mode="ecopli", recipient="document"),
        "collab": make_envelope(courrier_collaborator, mode="lettre_suivie", sender=True),
    }
    rows["sent"] = send(make_envelope(admin_user, mode="recommande", sender=True), admin_user)
    return rows


def numbers(response) -> list[str]:
    return re.findall(r'<a href="/courriers/\d+/">\[(\d+)\]</a>', response.content.decode())


def test_filters_search_and_sorting(client_for, admin_user, many):
    client = client_for(admin_user)
    assert numbers(client.get("/courriers/?mode=ecopli")) == [many["ecopli"].number]
    assert numbers(client.get("/courriers/?status=scheduled")) == [many["sent"].number]
    assert set(numbers(client.get(f"/courriers/?created_by={many['collab'].created_by_id}"))) == {
        many["collab"].number}
    assert numbers(client.get("/courriers/?q=dupont")) == [many["ecopli"].number]  # « Mr DUPONT Jean »
    assert numbers(client.get(f"/courriers/?q=%23{many['sent'].number}")) == [many["sent"].number]
    assert len(numbers(client.get("/courriers/?created_from=2026-03-02&created_to=2026-03-02"))) == 4
    assert numbers(client.get("/courriers/?created_from=2026-03-03")) == []
    ordered = numbers(client.get("/courriers/?ordering=number"))
    assert ordered == sorted(ordered)
    assert numbers(client.get("/courriers/?ordering=-number")) == sorted(ordered, reverse=True)
    partial = client.get("/courriers/?mode=ecopli", headers=HTMX)
    assert "<html" not in partial.content.decode() and numbers(partial) == [many["ecopli"].number]


def test_a_collaborator_sees_only_their_envelopes(client_for, courrier_collaborator, many):
    assert numbers(client_for(courrier_collaborator).get("/courriers/")) == [many["collab"].number]


def test_paging(client_for, admin_user, make_envelope):
    envelope = make_envelope(admin_user, uploads=[])
    Envelope.objects.bulk_create([Envelope(organisation=envelope.organisation, created_by=admin_user)
                                  for _ in range(24)])
    client = client_for(admin_user)
    first, second = client.get("/courriers/"), client.get("/courriers/?page=2")
    assert len(numbers(first)) == 20 and len(numbers(second)) == 5
    assert "page 1/2" in text(first) and not set(numbers(first)) & set(numbers(second))


def test_the_list_answers_in_a_constant_number_of_queries(client_for, admin_user, courrier_collaborator,
                                                           make_envelope):
    envelope = make_envelope(admin_user, uploads=[])
    make_envelope(courrier_collaborator, uploads=[])

    def count(user) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/courriers/?ordering=created_by").status_code == 200
        return len(queries.captured_queries)

    small = {user.pk: count(user) for user in (admin_user, courrier_collaborator)}
    Envelope.objects.bulk_create([Envelope(organisation=envelope.organisation, created_by=user)
                                  for user in (admin_user, courrier_collaborator) for _ in range(30)])
    assert {user.pk: count(user) for user in (admin_user, courrier_collaborator)} == small
    assert max(small.values()) <= 8
