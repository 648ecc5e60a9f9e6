"""French error pages in the layout, with the reason and a way back (400, 403, 404, 500, CSRF)."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import path

from portal.models import Area
from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401  (this test URLconf's)
from portal.urls import urlpatterns as portal_urlpatterns

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(" ".join(response.content.decode().split()))


def broken(request):
    raise RuntimeError("boom")


def refused(request):
    raise PermissionDenied("Seule la comptabilité de L'Auxiliaire décide des demandes.")


def missing_with_reason(request):
    raise Http404("Le PDF de ce courrier est en cours de génération, réessayez dans un instant.")


urlpatterns = [
    *portal_urlpatterns,
    path("test/boom/", broken),
    path("test/refus/", refused),
    path("test/absent/", missing_with_reason),
]


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = __name__


def test_a_page_outside_the_users_areas_says_why_in_french(client_for, collaborator, delegate):
    delegate(collaborator, [], areas=[Area.AMIABLE])
    response = client_for(collaborator).get("/facturation/")
    page = text(response)
    assert response.status_code == 403
    assert "<h1>Accès refusé</h1>" in page and "Forbidden" not in page
    assert "L'espace « Facturation » ne fait pas partie de vos habilitations" in page
    assert 'href="/">Revenir à l\'accueil' in page
    assert "Cycle amiable" in page  # in the layout: the user's menu is there


def test_a_permission_error_shows_its_french_message(error_urls, client_for, admin_user):
    response = client_for(admin_user).get("/test/refus/", HTTP_REFERER="http://testserver/amiable/")
    page = text(response)
    assert response.status_code == 403
    assert "Seule la comptabilité de L'Auxiliaire décide des demandes." in page
    assert 'href="http://testserver/amiable/">Revenir à la page précédente' in page


def test_a_foreign_referer_is_no_way_back(error_urls, client_for, admin_user):
    page = text(client_for(admin_user).get("/test/refus/", HTTP_REFERER="https://pirate.example/"))
    assert "pirate.example" not in page and "Revenir à la page précédente" not in page


def test_an_unknown_address_gets_the_french_404(client_for, admin_user):
    response = client_for(admin_user).get("/nulle-part/")
    page = text(response)
    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in page and "Not Found" not in page and "/nulle-part/" in page


def test_a_404_shows_the_products_reason_never_djangos_english(error_urls, client_for, admin_user):
    page = text(client_for(admin_user).get("/test/absent/"))
    assert "Le PDF de ce courrier est en cours de génération" in page
    response = client_for(admin_user).get("/resiliations/999999/")  # get_object_or_404
    assert response.status_code == 404 and "matches the given query" not in text(response)


def test_a_server_error_gets_the_french_500_in_the_layout(error_urls, admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get("/test/boom/")
    page = text(response)
    assert response.status_code == 500
    assert "<h1>Erreur du serveur</h1>" in page and "Server Error" not in page
    assert "L'Auxiliaire" in page and 'href="/">Revenir à l\'accueil' in page


def test_a_bad_request_gets_the_french_400(client_for, admin_user):
    response = client_for(admin_user).get("/", HTTP_HOST="pirate.example")  # not an allowed host
    page = text(response)
    assert response.status_code == 400 and "<h1>Requête incorrecte</h1>" in page and "Bad Request" not in page


def test_an_expired_form_gets_a_french_csrf_page(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/compte/deconnexion/")
    page = text(response)
    assert response.status_code == 403
    assert "<h1>Formulaire expiré</h1>" in page and "CSRF verification failed" not in page and "rien n'a été enregistré" in page


def test_the_favicon_is_served(client_for):
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    response = client_for(None).get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("img/favicon.svg")
    assert finders.find("img/favicon.svg")



@pytest.mark.parametrize(("url", "status", "title"), [
    ("/test/absent/", 404, "Page introuvable"), ("/test/refus/", 403, "Accès refusé"),
    ("/test/boom/", 500, "Erreur du serveur"),
])
def test_an_error_page_whose_layout_cannot_render_still_answers_in_french(error_urls, settings, tmp_path,
                                                                          admin_user, url, status, title):
    """A deployment whose static files were not collected (the layout's {% static %} fails): the
    error page falls back to the same French words without the layout, never a second error."""
    settings.STATIC_ROOT = tmp_path  # no manifest there
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get(url)
    page = text(response)
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in page and "Retour à l'accueil" in page
