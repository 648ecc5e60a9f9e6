"""Login by e-mail, throttling, password reset through the outbox, password change, logout."""

import re

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail
from django.test import Client

from portal import notifications
from portal.models import OutboxMessage, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/compte/connexion/"


def login(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def signed_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_login_by_email_is_case_insensitive(admin_user):
    client = Client()
    response = login(client, "  ADMIN@Un.Test ", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client)


def test_a_wrong_password_gets_a_french_error(admin_user):
    client = Client()
    response = login(client, "admin@un.test", "mauvais mot de passe")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    assert not signed_in(client)


def test_login_page_is_french():
    html = Client().get(LOGIN).content.decode()
    for text in ("Connexion à votre espace courtier", "Adresse e-mail", "Mot de passe", "Se connecter",
                 "Mot de passe oublié ?"):
        assert text in html


def test_five_failures_lock_the_account_whatever_the_case(admin_user, collaborator):
    client = Client()
    for attempt, email in enumerate(["admin@un.test", "Admin@un.test", "ADMIN@UN.TEST", "admin@UN.test"], 1):
        response = login(client, email, f"essai {attempt}")
        assert response.status_code == 200, attempt
    locked = login(client, "admin@un.test", "essai 5")
    assert locked.status_code == 429
    assert "Trop de tentatives de connexion" in locked.content.decode()
    # Now even the right password is refused…
    assert login(client, "admin@un.test", PASSWORD).status_code == 429
    assert not signed_in(client)
    # …for this account only.
    assert login(client, "collab@un.test", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(admin_user):
    client = Client()
    for _ in range(4):
        login(client, "admin@un.test", "faux")
    assert login(client, "admin@un.test", PASSWORD).status_code == 302
    client.post("/compte/deconnexion/")
    for _ in range(4):
        assert login(client, "admin@un.test", "faux").status_code == 200


def test_password_reset_goes_through_the_outbox_and_its_link_works(admin_user):
    client = Client()
    response = client.post("/compte/mot-de-passe-oublie/", {"email": "Admin@un.test"})
    assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe-oublie/envoye/"
    message = OutboxMessage.objects.get()
    assert message.to == "admin@un.test"
    assert message.subject.startswith("Réinitialisation de votre mot de passe")
    assert notifications.outbox_send(message_id=message.id)
    [email] = mail.outbox
    assert "&#x27;" not in email.body and "Vous avez demandé à choisir un nouveau mot de passe" in email.body
    link = re.search(r"https?://testserver(/compte/reinitialiser/\S+/)", email.body).group(1)

    form = client.get(link, follow=True)
    assert "Choisissez votre nouveau mot de passe" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Un nouveau mot de passe 2026",
                                                    "new_password2": "Un nouveau mot de passe 2026"})
    assert done.status_code == 302 and done["Location"] == "/compte/reinitialiser/termine/"
    admin_user.refresh_from_db()
    assert admin_user.check_password("Un nouveau mot de passe 2026")
    assert not admin_user.check_password(PASSWORD)
    # The link served once.
    assert "Lien invalide" in client.get(link, follow=True).content.decode()


def test_password_reset_of_an_unknown_address_sends_nothing_and_says_the_same():
    response = Client().post("/compte/mot-de-passe-oublie/", {"email": "inconnu@exemple.fr"})
    assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe-oublie/envoye/"
    assert not OutboxMessage.objects.exists()


def test_password_change(client_for, admin_user):
    client = client_for(admin_user)
    wrong = client.post("/compte/mot-de-passe/", {"old_password": "faux", "new_password1": "Encore un autre 2026",
                                                  "new_password2": "Encore un autre 2026"})
    assert wrong.status_code == 200
    assert "Votre ancien mot de passe est incorrect" in wrong.content.decode()
    response = client.post("/compte/mot-de-passe/", {"old_password": PASSWORD, "new_password1": "Encore un autre 2026",
                                                     "new_password2": "Encore un autre 2026"})
    assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe/modifie/"
    assert signed_in(client)  # the session survives its own password change
    assert User.objects.get(id=admin_user.id).check_password("Encore un autre 2026")


def test_logout_is_a_post(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get("/compte/deconnexion/").status_code == 405
    assert signed_in(client)
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not signed_in(client)


def test_passwords_are_hashed_with_argon2_outside_tests():
    from portal.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("demo", hasher.salt())
    assert encoded.startswith("argon2$argon2id$") and hasher.verify("demo", encoded)
