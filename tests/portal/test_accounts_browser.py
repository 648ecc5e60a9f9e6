"""Chromium drives the account flows (issue 10): sign up → activation link from the outbox →
first login; an administrator invites a collaborator with a delegation profile, who then sees
only the delegated clients in « Gérer le cycle amiable »; a person switches organisation."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from portal import accounts, notifications
from portal.models import Member, OutboxMessage, PersonalLink, Role, User
from tests.amiable.conftest import contacts, make_case, tick  # noqa: F401  (fixtures)
from tests.portal.test_browser import watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Un mot de passe solide 2026"


def link_from_outbox(**filters) -> str:
    """Send the e-mail as the outbox worker does; its personal link, as a path."""
    message = OutboxMessage.objects.filter(**filters).latest("id")
    assert notifications.outbox_send(message_id=message.id)
    match = re.search(re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/\S+)", mail.outbox[-1].body)
    return match.group(1)


def test_sign_up_then_activate_from_the_email_then_log_in(page):
    errors = watch_console(page)
    page.goto("/compte/connexion/")
    page.get_by_role("link", name="S'inscrire gratuitement").click()
    expect(page.get_by_role("heading", name=re.compile("Inscription d'un intermédiaire en assurance"))).to_be_visible()
    page.get_by_label("N° ORIAS").fill("0700 0009")
    page.get_by_role("button", name="→ Continuer", exact=True).click()
    expect(page.get_by_text("0700 0009")).to_be_visible()
    for field, value in (("email", "jean.durant@agence-durant.fr"), ("password1", NEW_PASSWORD),
                         ("password2", NEW_PASSWORD), ("last_name", "Durant"), ("first_name", "Jean"),
                         ("trade_name", "Agence Durant"), ("address_line1", "3 place Grenette"),
                         ("postal_code", "38000"), ("city", "Grenoble"), ("phone", "04 76 12 34 56")):
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_affiliation").select_option(label="Agent général d'assurance")
    page.get_by_role("button", name="✓ Créer un compte").click()
    expect(page.get_by_text(re.compile("Acceptez les CGU et les CGV"))).to_be_visible()  # the box was not ticked
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.locator("#id_terms_accepted").check()
    page.get_by_role("button", name="✓ Créer un compte").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Un e-mail a été envoyé à l'adresse jean.durant@agence-durant.fr. Il contient un lien d'activation")

    # Not activated yet: the login says so.
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill("jean.durant@agence-durant.fr")
    page.get_by_label("Mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre compte n'est pas encore activé")
    expect(page.get_by_role("button", name="Renvoyer le lien d'activation")).to_be_visible()

    page.goto(link_from_outbox(to="jean.durant@agence-durant.fr", personal_link=PersonalLink.ACCOUNT_ACTIVATION))
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.get_by_text("Votre compte est activé")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill("jean.durant@agence-durant.fr")
    page.get_by_label("Mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
    expect(page.get_by_role("heading", name="Bienvenue sur votre espace courtier")).to_be_visible()
    expect(page.get_by_text("Agence Durant · ORIAS 07000009")).to_be_visible()
    assert User.objects.get(email="jean.durant@agence-durant.fr").role == Role.ADMINISTRATOR
    assert errors == []


def test_an_administrator_invites_a_collaborator_who_sees_only_the_delegated_clients(
        make_case, admin_user, set_today, page, login_page, browser, live_server):  # noqa: F811
    set_today(date(2026, 2, 13))
    make_case(reference="EM-38", policy_number="P-38", member_number="M-38", company_name="SCIERIE DU VERCORS")
    make_case(reference="EM-73", policy_number="P-73", member_number="M-73", company_name="FROMAGERIE DE SAVOIE")
    Member.objects.filter(member_number="M-38").update(postal_code="38250")
    Member.objects.filter(member_number="M-73").update(postal_code="73000")
    errors = watch_console(page)
    login_page(admin_user.email)
    page.goto("/compte/")
    page.get_by_role("link", name="Profils de délégation").first.click()
    page.get_by_role("link", name="+ Nouveau profil").click()
    page.locator("#id_name").fill("Isère")
    page.get_by_label("Cycle amiable").check()
    page.locator("#id_departements").fill("38")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("cell", name="Isère", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Mon compte").get_by_role("link", name="Gérer les utilisateurs du compte").click()
    page.get_by_role("link", name="+ Nouvel utilisateur").click()
    page.locator("#id_email").fill("contact@un.test")
    page.locator("#id_first_name").fill("Zoé")
    page.locator("#id_last_name").fill("Martin")
    page.get_by_label("Isère").check()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text(re.compile("est une adresse générique"))).to_be_visible()
    page.locator("#id_email").fill("zoe.martin@un.test")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à zoe.martin@un.test.")).to_be_visible()
    expect(page.locator("table.data")).to_contain_text("INVITÉ")
    assert errors == []

    invited = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    zoe = invited.new_page()
    zoe.goto(link_from_outbox(to="zoe.martin@un.test", personal_link=PersonalLink.INVITATION))
    zoe.locator("#id_password1").fill(NEW_PASSWORD)
    zoe.locator("#id_password2").fill(NEW_PASSWORD)
    zoe.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(zoe.get_by_text("Bienvenue ! Votre mot de passe est enregistré.")).to_be_visible()
    zoe.get_by_role("link", name=re.compile("le cycle amiable")).click()
    expect(zoe.get_by_role("heading", name="Gérer le cycle amiable")).to_be_visible()
    expect(zoe.locator("table")).to_contain_text("SCIERIE DU VERCORS")
    expect(zoe.locator("table")).not_to_contain_text("FROMAGERIE DE SAVOIE")
    invited.close()


def test_a_person_switches_organisation_without_logging_out(
        make_case, admin_user, other_org, other_admin, set_today, page, login_page):  # noqa: F811
    set_today(date(2026, 2, 13))
    make_case(reference="EM-UN", policy_number="P-UN", member_number="M-UN", company_name="ATELIER DU CABINET UN")
    make_case(reference="EM-DEUX", policy_number="P-DEUX", member_number="M-DEUX", company_name="GARAGE DE L'AGENCE",
              broker=other_org)
    accounts.membership_add(user=admin_user, organisation=other_org, role=Role.COLLABORATOR, by=other_admin)
    accounts.delegation_profile_save(organisation=other_org, by=other_admin, data=accounts.ProfileData(
        name="Tout", areas=frozenset({"amiable"}), member_numbers="M-DEUX", departements=""))
    profile = other_org.profiles.get()
    membership = admin_user.memberships.get(organisation=other_org)
    accounts.membership_update(membership=membership, by=other_admin, role=Role.COLLABORATOR, profiles=[profile])
    errors = watch_console(page)
    login_page(admin_user.email)
    page.goto("/amiable/")
    expect(page.locator("table")).to_contain_text("ATELIER DU CABINET UN")
    page.goto("/compte/")
    account_page = page.locator("#contenu")  # (the top bar has the same switcher)
    account_page.get_by_label("Compte entreprise").select_option(label="Agence Deux (collaborateur)")
    account_page.get_by_role("button", name="Changer de compte entreprise").click()
    page.wait_for_url("**/")
    expect(page.get_by_text("Vous travaillez maintenant pour Agence Deux.")).to_be_visible()
    expect(page.locator("header .organisation-switch__current")).to_have_text("Agence Deux")
    page.goto("/amiable/")
    expect(page.locator("table")).to_contain_text("GARAGE DE L'AGENCE")
    expect(page.locator("table")).not_to_contain_text("ATELIER DU CABINET UN")
    assert errors == []
