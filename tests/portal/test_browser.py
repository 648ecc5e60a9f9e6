"""Chromium drives the real pages: login → home → logout."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_console(page) -> list[str]:
    """Console errors, CSP violations included."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
    return errors


def test_login_home_logout(page, login_page, admin_user):
    errors = watch_console(page)
    login_page("Admin@Un.test")
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace courtier")).to_be_visible()
    expect(page.get_by_text("Cabinet Un SARL · ORIAS 07000001")).to_be_visible()
    expect(page).to_have_title(re.compile("Accueil · L'Auxiliaire"))
    page.get_by_role("button", name="Mon compte : Ada Admin").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/compte/connexion/")
    expect(page.get_by_role("heading", name="Connexion à votre espace courtier")).to_be_visible()
    page.goto("/")
    page.wait_for_url(re.compile(r"/compte/connexion/\?next=/$"))
    assert errors == []


def test_a_wrong_password_shows_the_french_error(page, admin_user):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill("admin@un.test")
    page.get_by_label("Mot de passe").fill(PASSWORD + "x")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page).to_have_url(re.compile("/compte/connexion/$"))
