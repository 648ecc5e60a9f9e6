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
    # Left to right, seed 001 §4: « Courriers papier » right of « Résiliations ».
    assert list(sections) == ["Activité", "Cycle amiable", "Attestations", "Commissions", "Nos contrats", "Devis",
                              "Résiliations", "Courriers papier", "Facturation", "Aide"]
    assert sections["Résiliations"] == ["Nouvelle résiliation", "Tous les courriers", "Courriers à terminer",
                                        "Courriers programmés", "Courriers envoyés", "Exporter", "Corbeille"]
    assert sections["Courriers papier"] == ["Nouveau courrier papier", "Tous les courriers papiers"]
    assert sections["Commissions"] == ["Relevés de commissions", "Mois en cours (provisoire)"]
    assert sections["Aide"] == ["Demande d'aide", "Suivi des demandes", "Questions fréquentes"]
    assert 'href="/resiliations/?dossier=trash">Corbeille' in page
    assert account_menu(page) == ["Mon compte", "Changer mon mot de passe", "Gérer les utilisateurs du compte",
                                  "Crédits, reçus et factures", "Se déconnecter"]  # the platform's links first


def test_a_collaborator_sees_only_the_areas_delegated(client_for, collaborator, delegate):
    client = client_for(collaborator)
    # Every broker's user may ask for help and download the contracts' documents.
    assert list(menu(client.get("/").content.decode())) == ["Nos contrats", "Aide"]
    delegate(collaborator, [], areas=[Area.RESILIATION])
    page = client.get("/").content.decode()
    assert list(menu(page)) == ["Nos contrats", "Résiliations", "Aide"]
    assert "Crédit :" not in page and "Crédits, reçus et factures" not in page  # no billing area
    assert "Gérer les utilisateurs du compte" not in account_menu(page)


def test_accounting_has_no_broker_section_and_the_administration_in_the_account_menu(client_for,
                                                                                      accounting_user):
    page = client_for(accounting_user).get("/").content.decode()
    assert menu(page) == {}  # staff answer help requests in the admin
    assert account_menu(page) == ["Mon compte", "Changer mon mot de passe", "Administration", "Se déconnecter"]
    assert "Crédit :" not in page


def test_the_top_bar_shows_the_credit_balance_and_the_current_organisation(client_for, admin_user, org,
                                                                           accounting_user):
    from billing import services as billing

    billing.account_adjust(organisation=org, amount=Decimal("1234.56"), reason="Geste commercial",
                           by=accounting_user, on=date(2026, 3, 2))
    page = client_for(admin_user).get("/").content.decode()
    balance = format_money(account_balance(organisation=org))
    assert f'<a class="topbar__status" href="/facturation/">Crédit : {balance}</a>' in page
    assert f'<span class="organisation-switch__current">{org.signature_name}</span>' in page


def test_the_current_section_and_page_are_marked(client_for, admin_user):
    page = client_for(admin_user).get("/resiliations/?dossier=trash").content.decode()
    assert 'class="menu menu--current"' in page
    assert '<a href="/resiliations/?dossier=trash" aria-current="page">Corbeille</a>' in page
    assert page.count('aria-current="page"') == 1


# ------------------------------------------------------------- a module that registers its entries
def stand_in(request, **kwargs):
    return HttpResponse("stand-in")


urlpatterns = [
    *portal_urlpatterns,
    path("sinistres/", include(([path("", stand_in, name="index")], "claims"))),
]


@pytest.fixture
def claims_module(settings):
    """A module as a new app brings it: its pages, and one ``register`` from its AppConfig.ready()."""
    settings.ROOT_URLCONF = __name__
    navigation.register(
        app="claims_test", order=35,
        tiles=[navigation.Tile("déclarer", "un sinistre", "claims:index", icon="img/tiles/courrier.svg",
                               area=Area.COURRIER)],
        section=navigation.Section("Sinistres", [navigation.Link("Tous les sinistres", "claims:index",
                                                                 area=Area.COURRIER)]),
        footer_links=[navigation.Link("Barème des sinistres", "claims:index", audience=navigation.PUBLIC)],
    )
    yield
    navigation._registry.pop("claims_test")


def test_entries_whose_page_does_not_exist_are_left_out(client_for, admin_user):
    navigation.register(app="ghost_test", order=35, tiles=[navigation.Tile("voir", "un fantôme", "ghost:index",
                                                                           icon="img/tiles/courrier.svg")],
                        section=navigation.Section("Fantômes", [navigation.Link("Tous", "ghost:index")]),
                        account_links=[navigation.Link("Mon fantôme", "ghost:mine")])
    try:
        page = client_for(admin_user).get("/").content.decode()
    finally:
        navigation._registry.pop("ghost_test")
    assert "Fantômes" not in menu(page) and "Mon fantôme" not in account_menu(page) and "un fantôme" not in page


def test_the_footer_is_on_every_page_signed_in_or_not(client_for, admin_user):
    expected = {"Questions fréquentes": "/aide/questions-frequentes/", "Documentation utilisateur":
                "/pages/documentation/", "Démos": "/pages/demos/", "Conditions d'utilisation":
                "/pages/conditions-utilisation/", "Nous contacter": "/aide/demande/",
                "Politique de confidentialité": "/pages/confidentialite/", "Mentions légales": "/pages/mentions-legales/"}
    assert footer(client_for(None).get("/compte/connexion/").content.decode()) == expected
    assert footer(client_for(admin_user).get("/").content.decode()) == {**expected,
                                                                       "Documentation de l'API": "/api/docs/"}


def test_a_module_registers_its_tile_section_and_links_with_one_call(claims_module, client_for, admin_user,
                                                                    collaborator, delegate):
    page = client_for(admin_user).get("/").content.decode()
    assert list(menu(page)) == ["Activité", "Cycle amiable", "Attestations", "Commissions", "Nos contrats", "Devis",
                                "Résiliations", "Courriers papier", "Sinistres", "Facturation", "Aide"]
    assert '<a class="tile" href="/sinistres/">' in page
    assert footer(client_for(None).get("/compte/connexion/").content.decode())["Barème des sinistres"] == "/sinistres/"
    delegate(collaborator, [], areas=[Area.AMIABLE])
    assert "Sinistres" not in menu(client_for(collaborator).get("/").content.decode())  # not its area


def test_the_organisation_switcher_plugs_in_when_it_exists(client_for, admin_user, settings, tmp_path):
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "_organisation_switch.html").write_text('<form class="switch">Changer</form>')  # replaced
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
    assert list(menu(page)) == ["Cycle amiable", "Nos contrats", "Résiliations", "Facturation", "Aide"]
    assert sum("billing_account" in query["sql"] for query in few.captured_queries) == 1  # the credit


# ---------------------------------------------------------------- portal names no business app
BUSINESS_APPS = ("amiable", "billing", "resiliation", "courrier")
NAMING = re.compile(r"^(amiable|billing|resiliation|courrier)([:.]|_demo$)|/(amiable|facturation|resiliations|courrier)/"
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
            # (accounts.py: « courrier@ » is a generic mailbox refused for a new user, not the app)
            if text in (*BUSINESS_APPS, "police") and relative not in ("models.py", "accounts.py") \
                    or NAMING.search(text):
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
    # INSTALLED_APPS order (portal's own, help requests, first).
    assert registered == ["help_demo", "amiable_demo", "billing_demo", "resiliation_demo", "courrier_demo",
                          "activity_demo", "commissions_demo", "certificates_demo", "library_demo", "quotes_demo"]
    assert set(registered) <= set(get_commands())
