"""« Mon compte » (issue 10 §2, seed 001 §9.3–9.5): password, details (a new e-mail address is
confirmed before it is used), the letter header with its live preview."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from portal import accounts, notifications
from portal.errors import ApplicationError
from portal.models import AccountAudit, OutboxMessage, PersonalLink, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def link_of(message: OutboxMessage) -> str:
    assert notifications.outbox_send(message_id=message.id) is True
    match = re.search(re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/\S+)", mail.outbox[-1].body)
    return match.group(1)


def test_mon_compte_links_to_every_part(client_for, admin_user):
    html = client_for(admin_user).get("/compte/").content.decode()
    for text, url in (("Changer mon mot de passe", "/compte/mot-de-passe/"),
                      ("Modifier mes coordonnées", "/compte/coordonnees/"),
                      ("Entête des lettres", "/compte/entete/"),
                      ("Gérer les utilisateurs du compte", "/compte/utilisateurs/"),
                      ("Portefeuille", "/portefeuille/")):
        assert text in html and f'href="{url}"' in html
    assert "Crédits, reçus et factures" in html and 'href="/facturation/"' in html


def test_a_collaborator_has_no_administration_links(client_for, collaborator, delegate):
    html = client_for(collaborator).get("/compte/").content.decode()
    assert "Modifier mes coordonnées" in html and "Gérer les utilisateurs du compte" not in html
    assert 'href="/facturation/"' not in html  # not their area…
    delegate(collaborator, [], areas=["billing"])
    assert 'href="/facturation/"' in client_for(collaborator).get("/compte/").content.decode()  # …now it is


def test_password_change_with_the_seeds_labels(client_for, admin_user):
    client = client_for(admin_user)
    html = client.get("/compte/mot-de-passe/").content.decode()
    for label in ("Mot de passe actuel", "Nouveau mot de passe", "Répéter le nouveau mot de passe"):
        assert label in html
    new = "Nouveau mot de passe 2026"
    response = client.post("/compte/mot-de-passe/", {"old_password": PASSWORD, "new_password1": new,
                                                     "new_password2": new})
    assert response.status_code == 302 and client.get("/").status_code == 200  # still signed in
    admin_user.refresh_from_db()
    assert admin_user.check_password(new)


def test_details_edit_the_phones_and_grey_the_rest_with_a_help_request(client_for, collaborator):
    client = client_for(collaborator)
    html = client.get("/compte/coordonnees/").content.decode()
    assert 'value="Cabinet Un"' in html and "disabled" in html and 'value="0700 0001"' in html
    assert "/aide/demande/?sujet=compte&amp;objet=Modification+des+coordonn" in html and "demande d'aide" in html
    response = client.post("/compte/coordonnees/", {"email": collaborator.email, "phone": "04.76.00.00.01",
                                                    "mobile_phone": "+33 6 12 34 56 78"})
    assert response.status_code == 302
    collaborator.refresh_from_db()
    assert (collaborator.phone, collaborator.mobile_phone) == ("04 76 00 00 01", "06 12 34 56 78")
    entry = AccountAudit.objects.get(action="details_change")
    assert entry.before == {"téléphone": "", "téléphone portable": ""}
    bad = client.post("/compte/coordonnees/", {"email": collaborator.email, "phone": "123", "mobile_phone": ""})
    assert bad.status_code == 200 and "Numéro de téléphone invalide" in bad.content.decode()
    collaborator.refresh_from_db()
    assert collaborator.phone == "04 76 00 00 01"


def test_only_an_administrator_edits_the_organisations_phone(client_for, admin_user, collaborator, org):
    assert 'name="organisation_phone"' not in client_for(collaborator).get("/compte/coordonnees/").content.decode()
    client_for(collaborator).post("/compte/coordonnees/", {"email": collaborator.email, "phone": "",
                                                           "mobile_phone": "", "organisation_phone": "0400000000"})
    org.refresh_from_db()
    assert org.phone == ""
    client_for(admin_user).post("/compte/coordonnees/", {"email": admin_user.email, "phone": "", "mobile_phone": "",
                                                         "organisation_phone": "0476000000"})
    org.refresh_from_db()
    assert org.phone == "04 76 00 00 00"
    with pytest.raises(ApplicationError, match="Seul un administrateur"):
        collaborator.organisation = org
        accounts.account_details_update(user=collaborator, email=collaborator.email, phone="", mobile_phone="",
                                        organisation_phone="0400000000")


def test_a_new_email_address_is_used_only_once_confirmed_by_its_link(client_for, collaborator):
    client = client_for(collaborator)
    response = client.post("/compte/coordonnees/", {"email": "Colin.Nouveau@un.test", "phone": "",
                                                    "mobile_phone": ""}, follow=True)
    assert "Un e-mail a été envoyé à l'adresse colin.nouveau@un.test" in response.content.decode().replace(
        "&#x27;", "'")
    collaborator.refresh_from_db()
    assert collaborator.email == "collab@un.test" and collaborator.pending_email == "colin.nouveau@un.test"
    # Until confirmed, the login is the old address.
    assert Client().post("/compte/connexion/", {"username": "colin.nouveau@un.test",
                                                "password": PASSWORD}).status_code == 200
    message = OutboxMessage.objects.get(personal_link=PersonalLink.EMAIL_CHANGE)
    assert message.to == "colin.nouveau@un.test" and notifications.PERSONAL_LINK_PLACEHOLDER in message.body_text
    path = link_of(message)
    assert "colin.nouveau@un.test" in Client().get(path).content.decode()
    assert Client().post(path).status_code == 302
    collaborator.refresh_from_db()
    assert collaborator.email == "colin.nouveau@un.test" and collaborator.pending_email == ""
    assert Client().post("/compte/connexion/", {"username": "colin.nouveau@un.test",
                                                "password": PASSWORD}).status_code == 302
    again = Client().post(path)
    assert again.status_code == 400 and "plus valable" in again.content.decode()
    entry = AccountAudit.objects.get(action="email_change")
    assert (entry.before, entry.after) == ({"adresse e-mail": "collab@un.test"},
                                           {"adresse e-mail": "colin.nouveau@un.test"})


def test_a_second_request_replaces_the_first_link(client_for, collaborator):
    client = client_for(collaborator)
    client.post("/compte/coordonnees/", {"email": "premiere@un.test", "phone": "", "mobile_phone": ""})
    first = OutboxMessage.objects.get(to="premiere@un.test")
    client.post("/compte/coordonnees/", {"email": "seconde@un.test", "phone": "", "mobile_phone": ""})
    # The first address's e-mail is no longer sent (the link would not be theirs to get)…
    assert notifications.outbox_send(message_id=first.id) is False
    path = link_of(OutboxMessage.objects.get(to="seconde@un.test"))
    Client().post(path)
    collaborator.refresh_from_db()
    assert collaborator.email == "seconde@un.test"


def test_a_new_address_already_used_or_generic_is_refused(client_for, collaborator, org):
    from portal import services

    services.user_create(email="zoe@un.test", password=PASSWORD, role="collaborator", organisation=org)
    client = client_for(collaborator)
    taken = client.post("/compte/coordonnees/", {"email": "ZOE@un.test", "phone": "", "mobile_phone": ""})
    assert "Un compte existe déjà avec cette adresse e-mail." in taken.content.decode()
    generic = client.post("/compte/coordonnees/", {"email": "contact@un.test", "phone": "", "mobile_phone": ""})
    assert "adresse générique" in generic.content.decode()
    assert not OutboxMessage.objects.exists()
    collaborator.refresh_from_db()
    assert collaborator.pending_email == ""


def test_an_address_taken_between_request_and_confirmation_is_refused(client_for, collaborator, org):
    client_for(collaborator).post("/compte/coordonnees/", {"email": "zoe@un.test", "phone": "", "mobile_phone": ""})
    path = link_of(OutboxMessage.objects.get(to="zoe@un.test"))
    from portal import services

    services.user_create(email="zoe@un.test", password=PASSWORD, role="collaborator", organisation=org)
    response = Client().post(path)
    assert response.status_code == 400 and "Un compte existe déjà" in response.content.decode()
    collaborator.refresh_from_db()
    assert collaborator.email == "collab@un.test"


# --------------------------------------------------------------------- letter header


def test_the_letterhead_preview_shows_name_address_orias_and_added_lines(client_for, admin_user, org):
    client = client_for(admin_user)
    html = client.get("/compte/entete/").content.decode()
    for text in ("Aperçu de l'entête de la lettre", "Cabinet Un", "1 rue des Fleurs", "38000 Grenoble",
                 "N° ORIAS : 0700 0001", "Ajouter une ligne à l&#x27;entête"):
        assert text in html.replace("'", "&#x27;") or text in html
    assert client.post("/compte/entete/", {"action": "add", "line": "GESTION RESIL"}).status_code == 302
    assert client.post("/compte/entete/", {"action": "add", "line": "  www.cabinet-un.fr "}).status_code == 302
    org.refresh_from_db()
    assert org.letterhead_extra_lines == ["GESTION RESIL", "www.cabinet-un.fr"]
    client.post("/compte/entete/", {"action": "down", "index": 0, "line": "GESTION RESIL"})
    org.refresh_from_db()
    assert org.letterhead_extra_lines == ["www.cabinet-un.fr", "GESTION RESIL"]
    client.post("/compte/entete/", {"action": "remove", "index": 1, "line": "GESTION RESIL"})
    org.refresh_from_db()
    assert org.letterhead_extra_lines == ["www.cabinet-un.fr"]
    audit = list(AccountAudit.objects.filter(action="letterhead_change").order_by("id").values_list("before", "after"))
    assert audit[-1] == ({"lignes ajoutées": ["www.cabinet-un.fr", "GESTION RESIL"]},
                         {"lignes ajoutées": ["www.cabinet-un.fr"]})


def test_the_live_preview_shows_the_line_being_typed(client_for, admin_user):
    response = client_for(admin_user).get("/compte/entete/", {"line": "Tél. 04 76 00 00 00"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="letterhead-preview"')
    assert "Tél. 04 76 00 00 00" in html and "Cabinet Un" in html and "<html" not in html


def test_an_htmx_change_answers_the_lines_and_the_preview(client_for, admin_user):
    response = client_for(admin_user).post("/compte/entete/", {"action": "add", "line": "GESTION RESIL"},
                                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="letterhead-editor"' in html and 'hx-swap-oob="true"' in html
    assert html.count("GESTION RESIL") >= 2


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "add", "line": ""}, "Saisissez le texte de la ligne"),
    ({"action": "add", "line": "x" * 61}, "au plus 60 caractères"),
    ({"action": "remove", "index": 0, "line": "une autre ligne"}, "modifié entre-temps"),
    ({"action": "up", "index": 5, "line": "GESTION"}, "modifié entre-temps"),
    ({"action": "supprimer-tout"}, "Action inconnue."),
])
def test_bad_letterhead_changes_are_refused(client_for, admin_user, org, data, message):
    org.letter_header = "GESTION"
    org.save()
    response = client_for(admin_user).post("/compte/entete/", data)
    assert response.status_code == 400 and message in response.content.decode()
    org.refresh_from_db()
    assert org.letter_header == "GESTION" and not AccountAudit.objects.exists()


def test_the_letterhead_keeps_at_most_five_added_lines(admin_user, org):
    for index in range(accounts.LETTERHEAD_MAX_LINES):
        accounts.letterhead_line_add(organisation=org, by=admin_user, text=f"Ligne {index}")
    with pytest.raises(ApplicationError, match="au plus 5 lignes"):
        accounts.letterhead_line_add(organisation=org, by=admin_user, text="Une de trop")


def test_a_collaborator_sees_the_letterhead_but_does_not_change_it(client_for, collaborator, org):
    client = client_for(collaborator)
    html = client.get("/compte/entete/").content.decode()
    assert "Cabinet Un" in html and 'name="action"' not in html
    assert client.post("/compte/entete/", {"action": "add", "line": "X"}).status_code == 403
    org.refresh_from_db()
    assert org.letter_header == ""


def test_the_letterhead_without_orias_number(admin_user, org):
    from portal.models import Organisation

    Organisation.objects.filter(pk=org.pk).update(orias=None)
    org.refresh_from_db()
    assert org.letterhead["orias"] == "" and org.letterhead["lines"] == ["1 rue des Fleurs", "38000 Grenoble"]
    assert User.objects.get(pk=admin_user.pk).organisation.orias is None
