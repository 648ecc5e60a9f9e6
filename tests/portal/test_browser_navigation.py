"""The top menu in Chromium: a disclosure per section (buttons, aria-expanded), by keyboard, on a
phone, and without JavaScript (every link still reachable)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_section_opens_and_closes_by_keyboard(page, login_page, admin_user):
    login_page(admin_user.email)
    menu = page.get_by_role("navigation", name="Menu principal")
    button = menu.get_by_role("button", name="Résiliations")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Corbeille")).to_be_hidden()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Nouvelle résiliation")).to_be_focused()
    page.keyboard.press("Escape")  # closes, the focus goes back to the button
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    page.keyboard.press("Space")
    expect(menu.get_by_role("link", name="Corbeille")).to_be_visible()
    # Opening another section closes this one; a click elsewhere closes all.
    menu.get_by_role("button", name="Cycle amiable").click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("link", name="Actions en attente")).to_be_visible()
    page.get_by_role("heading", name="Bienvenue sur votre espace courtier").click()
    expect(menu.get_by_role("link", name="Actions en attente")).to_be_hidden()
    menu.get_by_role("button", name="Résiliations").click()
    menu.get_by_role("link", name="Corbeille").click()
    page.wait_for_url(re.compile(r"/resiliations/\?dossier=trash$"))
    expect(page.get_by_role("heading", name=re.compile("Corbeille"))).to_be_visible()


def test_the_account_menu(page, login_page, admin_user):
    login_page(admin_user.email)
    account = page.get_by_role("button", name="Mon compte : Ada Admin")
    account.click()
    expect(page.get_by_role("link", name="Changer mon mot de passe")).to_be_visible()
    expect(page.get_by_text("Cabinet Un · Administrateur")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/compte/connexion/")


def test_on_a_phone_the_menu_folds_under_one_button(page, login_page, admin_user):
    page.set_viewport_size({"width": 390, "height": 800})
    login_page(admin_user.email)
    sections = page.get_by_role("navigation", name="Menu principal")
    expect(sections).to_be_hidden()
    page.get_by_role("button", name="Menu", exact=True).click()
    expect(sections).to_be_visible()
    sections.get_by_role("button", name="Facturation").click()
    expect(sections.get_by_role("link", name="Acheter des crédits")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_without_javascript_every_link_stays_reachable(browser, live_server, admin_user):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/compte/connexion/")
        page.get_by_label("Adresse e-mail").fill(admin_user.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(re.compile(r"/$"))
        menu = page.get_by_role("navigation", name="Menu principal")
        expect(menu.get_by_role("link", name="Courriers programmés")).to_be_hidden()
        menu.get_by_role("button", name="Résiliations").focus()  # keyboard: the section opens on focus
        for _ in range(4):
            page.keyboard.press("Tab")
        expect(menu.get_by_role("link", name="Courriers programmés")).to_be_focused()
        expect(menu.get_by_role("link", name="Courriers programmés")).to_be_visible()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"dossier=scheduled$"))
        page.get_by_role("button", name="Facturation").hover()  # mouse: on hover
        expect(menu.get_by_role("link", name="Acheter des crédits")).to_be_visible()
    finally:
        context.close()
