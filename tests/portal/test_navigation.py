"""The top menu, the account menu, the footer and the tiles: what each app registers
(``portal.navigation``), shown only to the users who may open it, with no dead link."""

from __future__ import annotations

import ast
import html
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.urls import include, path

from billing.selectors import account_balance
from portal import navigation, services
from portal.formatting import format_money
from portal.models import Area
from portal.urls import urlpatterns as portal_urlpatterns

pytestmark = pytest.mark.django_db


def menu(page: str) -> dict[str, list[str]]:
    """Section of the top menu → its link labels."""
    nav = page[page.index('aria-label="Menu principal"'):page.index("</nav>", page.index('aria-label="Menu principal"'))]
    sections = {}
    for label, body in re.findall(r'data-disclosure>([^<]+)</button>\s*<ul class="menu__panel"[^>]*>(.*?)</ul>',
                                  nav, re.S):
        sections[html.unescape(label)] = [html.unescape(text) for text in re.findall(r">([^<]+)</a>", body)]
    return sections


def account_menu(page: str) -> list[str]:
    start = page.index('id="menu-compte"')
    body = page[start:page.index("</ul>", start)]
    return [html.unescape(text) for text in re.findall(r">([^<]+)</(?:a|button)>", body)]


def footer(page: str) -> dict[str, str]:
    body = page[page.index('<footer'):]
    return {html.unescape(text): href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', body)}


def test_an_administrator_sees_every_area_of_the_organisation(client_for, admin_user):
    page = client_for(admin_user).get("/").content.decode()
    sections = menu(page)
    assert list(sections) == ["Cycle amiable", "Résiliations", "Facturation"]  # left to right, seed 001 §4
    assert sections["Résiliations"] == ["Nouvelle résiliation", "Tous les courriers", "Courriers à terminer",
                                        "Courriers programmés", "Courriers envoyés", "Exporter", "Corbeille"]
    assert 'href="/resiliations/?dossier=trash">Corbeille' in page
    assert account_menu(page) == ["Changer mon mot de passe", "Se déconnecter"]


def test_a_collaborator_sees_only_the_areas_delegated(client_for, collaborator, delegate):
    client = client_for(collaborator)
    assert menu(client.get("/").content.decode()) == {}
    delegate(collaborator, [], areas=[Area.RESILIATION])
    page = client.get("/").content.decode()
    assert list(menu(page)) == ["Résiliations"]
    assert "Crédit :" not in page  # no billing area: no balance


def test_accounting_has_no_broker_section_and_the_administration_in_the_account_menu(client_for,
                                                                                      accounting_user):
    page = client_for(accounting_user).get("/").content.decode()
    assert menu(page) == {}
    assert account_menu(page) == ["Changer mon mot de passe", "Administration", "Se déconnecter"]
    assert "Crédit :" not in page


def test_the_top_bar_shows_the_credit_balance_and_the_current_organisation(client_for, admin_user, org,
                                                                           accounting_user):
    from billing import services as billing

    billing.account_adjust(organisation=org, amount=Decimal("1234.56"), reason="Geste commercial",
                           by=accounting_user, on=date(2026, 3, 2))
    page = client_for(admin_user).get("/").content.decode()
    balance = format_money(account_balance(organisation=org))
    assert f'<a class="topbar__status" href="/facturation/">Crédit : {balance}</a>' in page
    assert f'<span class="topbar__organisation" title="Compte entreprise">{org.name}</span>' in page


def test_the_current_section_and_page_are_marked(client_for, admin_user):
    page = client_for(admin_user).get("/resiliations/?dossier=trash").content.decode()
    assert 'class="menu menu--current"' in page
    assert '<a href="/resiliations/?dossier=trash" aria-current="page">Corbeille</a>' in page
    assert page.count('aria-current="page"') == 1


# ---------------------------------------------------------- entries of modules not merged yet
def stand_in(request, **kwargs):
    return HttpResponse("stand-in")


urlpatterns = [
    *portal_urlpatterns,
    # The pages of the accounts and help modules, as if they were installed.
    path("compte/mon-compte/", stand_in, name="account"),
    path("compte/utilisateurs/", stand_in, name="account_users"),
    path("aide/demande/", stand_in, name="help_request_new"),
    path("aide/demandes/", stand_in, name="help_requests"),
    path("aide/questions-frequentes/", stand_in, name="faq"),
    path("pages/<slug:slug>/", stand_in, name="site_page"),
    path("courrier/", include(([path("", stand_in, name="envelopes")], "courrier"))),
]


@pytest.fixture
def modules_merged(settings):
    settings.ROOT_URLCONF = __name__


def test_entries_whose_page_does_not_exist_are_left_out(client_for, admin_user):
    page = client_for(admin_user).get("/").content.decode()
    assert "Aide" not in menu(page) and "Mon compte" not in account_menu(page) and "Mentions légales" not in page


def test_entries_appear_once_their_pages_exist(modules_merged, client_for, admin_user, collaborator, delegate):
    page = client_for(admin_user).get("/").content.decode()
    assert menu(page)["Aide"] == ["Demande d'aide", "Suivi des demandes", "Questions fréquentes"]
    assert account_menu(page) == ["Mon compte", "Changer mon mot de passe", "Gérer les utilisateurs du compte",
                                  "Se déconnecter"]
    delegate(collaborator, [], areas=[Area.AMIABLE])
    assert "Gérer les utilisateurs du compte" not in account_menu(client_for(collaborator).get("/").content.decode())


def test_the_footer_is_on_every_page_signed_in_or_not(modules_merged, client_for, admin_user):
    expected = {"Questions fréquentes": "/aide/questions-frequentes/", "Documentation utilisateur":
                "/pages/documentation/", "Démos": "/pages/demos/", "Conditions d'utilisation":
                "/pages/conditions-utilisation/", "Nous contacter": "/aide/demande/",
                "Politique de confidentialité": "/pages/confidentialite/", "Mentions légales": "/pages/mentions-legales/"}
    assert footer(client_for(None).get("/compte/connexion/").content.decode()) == expected
    assert footer(client_for(admin_user).get("/").content.decode()) == {**expected,
                                                                       "Documentation de l'API": "/api/docs/"}


def test_a_module_registers_its_tile_and_section_with_one_call(modules_merged, client_for, admin_user):
    """The paper-mail module, once merged, needs one ``register`` in its AppConfig.ready()."""
    navigation.register(
        app="courrier_test", order=30,
        tiles=[navigation.Tile("envoyer", "un courrier papier", "courrier:envelopes", icon="img/tiles/courrier.svg",
                               area=Area.COURRIER)],
        section=navigation.Section("Courriers papier", [
            navigation.Link("Tous les courriers papiers", "courrier:envelopes", area=Area.COURRIER)]),
    )
    try:
        page = client_for(admin_user).get("/").content.decode()
    finally:
        navigation._registry.pop("courrier_test")
    assert list(menu(page))[:4] == ["Cycle amiable", "Résiliations", "Courriers papier", "Facturation"]
    assert '<a class="tile" href="/courrier/">' in page


def test_the_organisation_switcher_plugs_in_when_it_exists(client_for, admin_user, settings, tmp_path):
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "_organisation_switch.html").write_text('<form class="switch">Changer</form>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    page = client_for(admin_user).get("/").content.decode()
    assert '<form class="switch">Changer</form>' in page and "topbar__organisation" not in page


def test_the_menu_costs_the_same_queries_whatever_the_data(client_for, collaborator, delegate,
                                                           django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(collaborator)
    delegate(collaborator, [], areas=[Area.AMIABLE, Area.BILLING], name="Profil 0")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for index in range(1, 6):
        delegate(collaborator, [], areas=[Area.RESILIATION], name=f"Profil {index}")
    with django_assert_num_queries(len(few)):
        page = client.get("/").content.decode()
    assert list(menu(page)) == ["Cycle amiable", "Résiliations", "Facturation"]
    assert sum("billing_account" in query["sql"] for query in few.captured_queries) == 1  # the credit


# ---------------------------------------------------------------- portal names no business app
BUSINESS_APPS = ("amiable", "billing", "resiliation", "courrier")
NAMING = re.compile(r"^(amiable|billing|resiliation|courrier)([:.]|_demo$)|_demo$|/(amiable|facturation|resiliations|courrier)/"
                    r"|[?&{']police[=']")


def _strings(tree) -> list[str]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_portal_names_no_business_app():
    """The platform's modules (the project's settings and URL root aside) neither list the apps nor
    build their addresses: the apps register what they contribute (issue 12 §3e)."""
    root = Path(settings.BASE_DIR) / "portal"
    offenders = []
    for source in root.rglob("*.py"):
        relative = source.relative_to(root).as_posix()
        if relative.startswith(("settings/", "migrations/")) or relative in ("urls.py", "celery.py", "navigation.py"):
            continue
        for text in _strings(ast.parse(source.read_text())):
            # (models.py: the delegation areas and the verbose names use these words as such)
            if text in (*BUSINESS_APPS, "police") and relative != "models.py" or NAMING.search(text):
                offenders.append(f"{relative}: {text!r}")
    for template in [Path(settings.BASE_DIR) / "templates" / "base.html",
                     *(Path(settings.BASE_DIR) / "templates" / "portal").glob("*.html")]:
        if re.search(r"\{% url '(amiable|billing|resiliation|courrier):", template.read_text()):
            offenders.append(template.name)
    assert offenders == []


def test_the_back_office_apps_are_those_that_declare_their_accounting_edits():
    declared = [config.label for config in apps.get_app_configs() if hasattr(config, "accounting_edits")]
    assert services.accounting_apps() == tuple(declared)
    assert {"portal", "amiable", "billing", "resiliation"} <= set(declared)
    assert services.accounting_edits()["amiable.extensionrequest"] == ("change",)


def test_seed_demo_runs_the_demo_commands_the_apps_register():
    from django.core.management import get_commands

    registered = navigation.demo_commands()
    assert registered[:3] == ["amiable_demo", "billing_demo", "resiliation_demo"]  # INSTALLED_APPS order
    assert set(registered) <= set(get_commands())
