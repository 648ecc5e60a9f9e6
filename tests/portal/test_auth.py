"""Login by e-mail, throttling, password reset through the outbox, password change, logout."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal import notifications
from portal.models import OutboxMessage, OutboxStatus, User
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


def reset_link(email) -> str:
    """The reset link of a sent e-mail, as a path."""
    base = re.escape(settings.PORTAL_BASE_URL.rstrip("/"))
    return re.search(base + r"(/compte/reinitialiser/[^/\s]+/[^/\s]+/)", email.body).group(1)


def assert_stores_no_link(message: OutboxMessage) -> None:
    message.refresh_from_db()
    stored = " ".join(str(getattr(message, field.attname)) for field in OutboxMessage._meta.concrete_fields)
    assert "reinitialiser" not in stored and "[lien personnel masqué]" in message.body_text
    uid = urlsafe_base64_encode(force_bytes(message.personal_link_user_id))
    assert f":{uid}:" not in message.key and message.key.startswith(f"password-reset:{message.personal_link_user_id}:")


def test_password_reset_goes_through_the_outbox_and_its_link_works(admin_user):
    client = Client()
    response = client.post("/compte/mot-de-passe-oublie/", {"email": "Admin@un.test"})
    assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe-oublie/envoye/"
    message = OutboxMessage.objects.get()
    assert message.to == "admin@un.test"
    assert message.subject == "Réinitialisation de votre mot de passe — L'Auxiliaire"
    assert_stores_no_link(message)
    assert notifications.outbox_send(message_id=message.id)
    assert_stores_no_link(message)  # sent, and still no link stored
    [email] = mail.outbox
    assert "&#x27;" not in email.body and "Vous avez demandé à choisir un nouveau mot de passe" in email.body
    assert "[lien personnel masqué]" not in email.body and "valable 24 heures" in email.body
    link = reset_link(email)

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


def test_two_reset_requests_are_two_e_mails(admin_user):
    for _ in range(2):
        Client().post("/compte/mot-de-passe-oublie/", {"email": "admin@un.test"})
    assert OutboxMessage.objects.filter(to="admin@un.test").count() == 2


def test_a_reset_link_waiting_in_the_outbox_is_made_when_sent_and_counts_from_then(admin_user, settings, monkeypatch):
    """The link is made by the sender: held back longer than its validity (provider down), it
    still works for 24 hours from the sending."""
    Client().post("/compte/mot-de-passe-oublie/", {"email": "admin@un.test"})
    message = OutboxMessage.objects.get()
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 3600)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    assert notifications.outbox_send(message_id=message.id)
    [email] = mail.outbox
    uidb64, token = reset_link(email).strip("/").split("/")[-2:]
    assert default_token_generator.check_token(admin_user, token)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later + timedelta(hours=23))
    assert default_token_generator.check_token(admin_user, token)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later + timedelta(hours=25))
    assert not default_token_generator.check_token(admin_user, token)


@pytest.mark.parametrize("change", ["email", "deactivated", "deleted"])
def test_a_reset_link_is_not_sent_once_the_account_changed(admin_user, change):
    """Asked for, then the address changed (or the account went): the link is not theirs."""
    Client().post("/compte/mot-de-passe-oublie/", {"email": "admin@un.test"})
    message = OutboxMessage.objects.get()
    if change == "email":
        User.objects.filter(id=admin_user.id).update(email="nouvelle@un.test")
    elif change == "deactivated":
        User.objects.filter(id=admin_user.id).update(is_active=False)
    else:
        User.objects.filter(id=admin_user.id).delete()
    assert notifications.outbox_send(message_id=message.id) is False
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "lien personnel non envoyé" in message.last_error


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
