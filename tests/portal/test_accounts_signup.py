"""Sign-up with or without ORIAS, the activation e-mail (a personal link, 48 h, single use),
« renvoyer le lien », and no login before activation (issue 10 §1, seed 001 §2)."""

import re
from datetime import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from portal import accounts, notifications
from portal.errors import ApplicationError
from portal.models import AccountAudit, Membership, Organisation, OutboxMessage, OutboxStatus, PersonalLink, Role, User

pytestmark = pytest.mark.django_db
PASSWORD = "Un mot de passe solide 2026"
FORM = {
    "email": "Jean.Durant@Agence-Durant.fr", "password1": PASSWORD, "password2": PASSWORD, "last_name": "Durant",
    "first_name": "Jean", "trade_name": "Agence Durant", "orias": "", "affiliation": "general_agent",
    "address_line1": "3 place Grenette", "address_line2": "", "postal_code": "38000", "city": "Grenoble",
    "phone": "04 76 12 34 56", "mobile_phone": "", "terms_accepted": "on",
}


def signup(client: Client, **changes):
    return client.post("/compte/inscription/", {**FORM, **changes})


def sent_link(message: OutboxMessage) -> str:
    """Send an outbox message as the worker does, and return the link of the e-mail, as a path."""
    assert notifications.outbox_send(message_id=message.id) is True
    body = mail.outbox[-1].body
    match = re.search(re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/\S+)", body)
    assert match, body
    return match.group(1)


def activation_message(email: str) -> OutboxMessage:
    return OutboxMessage.objects.filter(to=email.lower(), personal_link=PersonalLink.ACCOUNT_ACTIVATION).latest("id")


def test_the_login_page_offers_the_free_sign_up():
    html = Client().get("/compte/connexion/").content.decode()
    assert "S'inscrire gratuitement" in html and 'href="/compte/inscription/"' in html


def test_step_one_asks_for_the_orias_number_or_to_continue_without():
    html = Client().get("/compte/inscription/").content.decode()
    for text in ("Vous avez un numéro ORIAS ?", "Continuer", "Vous n'avez pas de numéro ORIAS ?",
                 "Continuer sans ORIAS"):
        assert text in html


@pytest.mark.parametrize("typed", ["07000009", "0700 0009", " 0700.0009 "])
def test_an_orias_number_of_eight_digits_opens_the_form_shown_nnnn_nnnn(typed):
    html = Client().get("/compte/inscription/", {"orias": typed}).content.decode()
    assert "0700 0009" in html and 'name="orias" value="07000009"' in html and "Créer un compte" in html


@pytest.mark.parametrize("typed", ["0700001", "070000011", "0700A001", ""])
def test_an_orias_number_that_is_not_eight_digits_is_refused(typed):
    html = Client().get("/compte/inscription/", {"orias": typed}).content.decode()
    assert "Créer un compte" not in html
    assert ("Le numéro ORIAS comporte 8 chiffres" in html) or ("Entrez votre numéro ORIAS" in html)


def test_an_orias_number_already_signed_up_is_refused(org):
    html = Client().get("/compte/inscription/", {"orias": org.orias}).content.decode()
    assert "Un compte existe déjà pour le numéro ORIAS 0700 0001" in html
    response = signup(Client(), orias=org.orias)
    assert "Un compte existe déjà pour le numéro ORIAS" in response.content.decode()
    assert not User.objects.filter(email__iexact=FORM["email"]).exists()


def test_sign_up_with_orias_creates_the_organisation_its_administrator_and_the_activation_email():
    client = Client()
    response = signup(client, orias="07000009")
    assert response.status_code == 302 and response["Location"] == "/compte/inscription/envoye/"
    user = User.objects.get(email="jean.durant@agence-durant.fr")
    organisation = Organisation.objects.get(orias="07000009")
    assert (organisation.trade_name, organisation.city, organisation.phone, organisation.affiliation) == (
        "Agence Durant", "GRENOBLE", "04 76 12 34 56", "general_agent")
    assert user.organisation == organisation and user.role == Role.ADMINISTRATOR and user.activated_at is None
    assert user.terms_accepted_at is not None and user.check_password(PASSWORD)
    assert Membership.objects.get(user=user).role == Role.ADMINISTRATOR
    assert AccountAudit.objects.filter(organisation=organisation, action="signup").exists()
    html = client.get(response["Location"]).content.decode()
    assert ("Un e-mail a été envoyé à l'adresse <strong>jean.durant@agence-durant.fr</strong>. Il contient un lien "
            "d'activation sur lequel il vous faudra cliquer afin d'activer votre compte") in html
    assert "Renvoyer le lien" in html
    message = activation_message(user.email)
    # A personal link is made when sending, stored nowhere.
    assert notifications.PERSONAL_LINK_PLACEHOLDER in message.body_text and "/compte/activation/" not in message.body_text


def test_sign_up_without_orias_leaves_the_number_empty():
    response = signup(Client())
    assert response.status_code == 302
    organisation = User.objects.get(email="jean.durant@agence-durant.fr").organisation
    assert organisation.orias is None and str(organisation) == "Agence Durant (sans ORIAS)"
    # Two organisations without ORIAS number do not collide (unique when set).
    assert signup(Client(), email="marie.martin@cabinet-martin.fr").status_code == 302
    assert Organisation.objects.filter(orias__isnull=True).count() == 2


@pytest.mark.parametrize(("changes", "field_message"), [
    ({"password2": PASSWORD + "x"}, "Les deux mots de passe ne sont pas identiques."),
    ({"password1": "123", "password2": "123"}, "Ce mot de passe est trop court"),
    ({"password1": "azertyuiop", "password2": "azertyuiop"}, "Ce mot de passe est trop courant"),
    ({"email": "contact@agence-durant.fr"}, "est une adresse générique"),
    ({"email": "info+devis@agence-durant.fr"}, "est une adresse générique"),
    ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide."),
    ({"terms_accepted": ""}, "Acceptez les CGU et les CGV pour créer votre compte."),
    ({"postal_code": "3800"}, "Le code postal comporte 5 chiffres."),
    ({"phone": "12"}, "Numéro de téléphone invalide"),
    ({"trade_name": ""}, "Ce champ est obligatoire."),
    ({"affiliation": "inconnue"}, "Sélectionnez un choix valide."),
    ({"orias": "1234"}, "Le numéro ORIAS comporte 8 chiffres"),
])
def test_bad_input_gets_a_french_message_and_creates_nothing(changes, field_message):
    response = signup(Client(), **changes)
    assert response.status_code == 200
    assert field_message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.exists() and not Organisation.objects.exists() and not OutboxMessage.objects.exists()


def test_several_errors_are_reported_at_once():
    response = signup(Client(), email="accueil@agence.fr", password2="autre", postal_code="1")
    html = response.content.decode()
    assert "adresse générique" in html and "ne sont pas identiques" in html and "5 chiffres" in html


def test_an_email_already_used_is_refused_whatever_its_case():
    assert signup(Client()).status_code == 302
    response = signup(Client(), email="JEAN.DURANT@agence-durant.FR", orias="07000009")
    assert "Un compte existe déjà avec cette adresse e-mail." in response.content.decode()
    assert User.objects.count() == 1 and Organisation.objects.count() == 1


def test_an_unactivated_account_cannot_log_in_and_is_offered_a_new_link():
    signup(Client())
    response = Client().post("/compte/connexion/", {"username": FORM["email"], "password": PASSWORD})
    html = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "Votre compte n'est pas encore activé" in html and "Renvoyer le lien d'activation" in html
    # …but only once the password is right: a wrong one says nothing about the account.
    wrong = Client().post("/compte/connexion/", {"username": FORM["email"], "password": "faux"}).content.decode()
    assert "pas encore activé" not in wrong and "Adresse e-mail ou mot de passe incorrect." in wrong


def test_the_activation_link_activates_once_then_the_person_logs_in():
    signup(Client())
    user = User.objects.get()
    path = sent_link(activation_message(user.email))
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and "Activer mon compte" in page.content.decode()
    user.refresh_from_db()
    assert user.activated_at is None  # opening the link (a mail scanner would) activates nothing
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/compte/connexion/"
    user.refresh_from_db()
    assert user.activated_at is not None
    login = client.post("/compte/connexion/", {"username": FORM["email"], "password": PASSWORD})
    assert login.status_code == 302 and client.get("/").status_code == 200
    # Single use: the same link is refused now.
    again = Client().post(path)
    assert again.status_code == 400 and "déjà servi" in again.content.decode()
    assert "plus valable" in Client().get(path).content.decode()


def test_the_activation_link_expires_after_48_hours(set_now):
    signup(Client())
    user = User.objects.get()
    path = sent_link(activation_message(user.email))  # made when sent, Monday 02/03/2026 10:00
    set_now("2026-03-04T10:00")
    assert "Activer mon compte" in Client().get(path).content.decode()  # 48 h: still valid
    set_now("2026-03-04T10:01")
    response = Client().post(path)
    assert response.status_code == 400 and "expiré" in response.content.decode()
    user.refresh_from_db()
    assert user.activated_at is None


def test_resend_sends_a_new_link_and_says_the_same_for_unknown_addresses(set_now):
    signup(Client())
    user = User.objects.get()
    first = activation_message(user.email)
    set_now("2026-03-02T10:05")
    response = Client().post("/compte/activation/renvoyer/", {"email": user.email.upper()})
    assert "un nouveau lien d'activation vient d'y être envoyé" in response.content.decode().replace("&#x27;", "'")
    second = activation_message(user.email)
    assert second.id != first.id
    unknown = Client().post("/compte/activation/renvoyer/", {"email": "personne@inconnu.fr"}).content.decode()
    assert "un nouveau lien d'activation vient d'y être envoyé" in unknown.replace("&#x27;", "'")
    assert OutboxMessage.objects.count() == 2
    # Asked twice within the same minute: one e-mail.
    Client().post("/compte/activation/renvoyer/", {"email": user.email})
    assert OutboxMessage.objects.count() == 2
    # Once activated (by the second link), the first, still pending, is not sent, nor any new one.
    uidb64, token = sent_link(second).strip("/").split("/")[-2:]
    accounts.account_activate(uidb64=uidb64, token=token)
    assert notifications.outbox_send(message_id=first.id) is False
    first.refresh_from_db()
    assert first.status == OutboxStatus.FAILED
    set_now("2026-03-02T10:10")
    Client().post("/compte/activation/renvoyer/", {"email": user.email})
    assert OutboxMessage.objects.count() == 2


def test_service_refuses_a_forged_or_foreign_token():
    signup(Client())
    user = User.objects.get()
    from portal.account_tokens import invitation_tokens, uid_of

    with pytest.raises(ApplicationError, match="plus valable"):
        accounts.account_activate(uidb64=uid_of(user), token="abc-def")
    # A token of another kind (an invitation's) does not activate.
    with pytest.raises(ApplicationError, match="plus valable"):
        accounts.account_activate(uidb64=uid_of(user), token=invitation_tokens.make_token(user))
    assert User.objects.get().activated_at is None


def test_an_organisation_without_orias_cannot_file_a_certificate_nor_send_in_its_name(set_today):
    """Résiliation: the agency's name needs a valid ORIAS certificate of an organisation whose
    ORIAS number is on file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from resiliation import selectors
    from resiliation import services as resiliation_services
    from resiliation.models import OriasCertificate

    signup(Client())
    user = User.objects.get()
    organisation = user.organisation
    with pytest.raises(ApplicationError, match="pas de numéro ORIAS"):
        resiliation_services.orias_certificate_add(
            organisation=organisation, by=user, upload=SimpleUploadedFile("orias.pdf", b"%PDF-1.4\n%%EOF\n"),
            valid_until=datetime(2026, 12, 31).date(), today=datetime(2026, 3, 2).date())
    # Even a certificate filed some other way does not count while the number is missing.
    from portal.pdf import document_store

    document = document_store(content=b"%PDF-1.4\n%%EOF\n", name="orias.pdf", content_type="application/pdf")
    OriasCertificate.objects.create(organisation=organisation, document=document,
                                    valid_until=datetime(2026, 12, 31).date(), uploaded_by=user)
    today = datetime(2026, 3, 2).date()
    assert selectors.orias_certificate_valid(organisation_id=organisation.id, on=today) is None
    User.objects.filter(pk=user.pk).update(activated_at=datetime(2026, 3, 2, 10, 0).astimezone())
    page = Client()
    page.force_login(user)
    html = page.get("/resiliations/attestation-orias/").content.decode().replace("&#x27;", "'")
    assert "Votre compte n'a pas de numéro ORIAS" in html and "/aide/demande/?sujet=compte" in html
    Organisation.objects.filter(pk=organisation.pk).update(orias="07000099")  # staff record the number
    assert selectors.orias_certificate_valid(organisation_id=organisation.id, on=today) is not None
