"""The home page of seed 000: French welcome, tiles only for pages that exist and areas granted."""

import re

import pytest

from portal.models import Area

pytestmark = pytest.mark.django_db
ROLES = ["admin_user", "collaborator", "other_admin", "accounting_user", "system_user"]


def tiles(html: str) -> dict[str, str]:
    """Tile label (bottom line) → link."""
    return {label: href for href, label in
            re.findall(r'<a class="tile" href="([^"]+)">.*?<strong class="tile__bottom">([^<]+)</strong>', html)}


def test_anonymous_visitors_are_sent_to_login(client_for):
    response = client_for(None).get("/")
    assert response.status_code == 302 and response["Location"] == "/compte/connexion/?next=/"


def test_the_welcome_is_french_and_names_the_organisation(client_for, admin_user):
    html = client_for(admin_user).get("/").content.decode()
    assert "Bienvenue sur votre espace courtier" in html
    assert "Cabinet Un SARL · ORIAS 07000001" in html
    assert "Ada Admin" in html and "Se déconnecter" in html
    assert 'href="/admin/"' not in html


@pytest.mark.parametrize("who", ROLES)
def test_no_tile_is_a_dead_link(request, client_for, who):
    """With the apps installed today, every tile shown opens a page."""
    client = client_for(request.getfixturevalue(who))
    html = client.get("/").content.decode()
    for label, href in tiles(html).items():
        assert client.get(href).status_code == 200, label


@pytest.fixture
def with_module_pages(settings):
    settings.ROOT_URLCONF = "tests.portal.tile_urls"


def test_tiles_show_for_pages_that_exist_and_areas_granted(with_module_pages, client_for, admin_user):
    html = client_for(admin_user).get("/").content.decode()
    assert tiles(html) == {"le cycle amiable": "/amiable/", "un contrat": "/resiliation/",
                           "un courrier papier": "/courrier/", "facturation": "/billing/",
                           "votre activité": "/activite/", "commissions": "/commissions/",
                           "attestation client": "/attestations/nouvelle/", "nos contrats": "/contrats/",
                           "Pyramide Artisan": "/devis/nouveau/"}


def test_a_collaborator_sees_the_tiles_of_their_delegated_areas(with_module_pages, client_for, collaborator,
                                                                delegate):
    client = client_for(collaborator)
    html = client.get("/").content.decode()
    library = {"nos contrats": "/contrats/"}  # every broker's user, no area
    assert tiles(html) == library
    delegate(collaborator, [], areas=[Area.RESILIATION])
    assert tiles(client.get("/").content.decode()) == {"un contrat": "/resiliation/", **library}
    delegate(collaborator, [], areas=[Area.COURRIER], name="Courrier")
    assert tiles(client.get("/").content.decode()) == {"un contrat": "/resiliation/",
                                                        "un courrier papier": "/courrier/", **library}


def test_accounting_gets_the_admin_link_and_no_broker_tile(with_module_pages, client_for, accounting_user):
    client = client_for(accounting_user)
    html = client.get("/").content.decode()
    assert tiles(html) == {}
    assert "Bienvenue, Camille Compta" in html and "espace courtier" not in html.lower()  # the insurer's staff
    assert '<a href="/admin/">l\'administration</a>' in html.replace("&#x27;", "'")
    assert client.get("/admin/").status_code == 200


def test_home_query_count_is_constant(client_for, collaborator, delegate, django_assert_max_num_queries):
    client = client_for(collaborator)
    for index in range(5):
        delegate(collaborator, [], areas=[Area.AMIABLE], name=f"Profil {index}")
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200
