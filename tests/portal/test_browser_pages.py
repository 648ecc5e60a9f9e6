"""Chromium on the main pages, for each role: a clean console (no error, no CSP violation, no
failed request, nothing fetched from another site), no horizontal overflow at 1280 px (a desktop)
nor at 390 px (a phone), and screenshots of both under ``var/screenshots/`` (not committed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from portal.models import Area
from tests.portal.browser_data import portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTHS = (1280, 390)


class Console:
    """Everything a clean page must not produce."""

    def __init__(self, page, origin: str) -> None:
        self.problems: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        page.on("pageerror", lambda error: self.problems.append(f"exception: {error}"))
        page.on("response", lambda response: response.status >= 400 and self.problems.append(
            f"{response.status} {response.url}"))
        # (the browser's own PDF viewer, chrome-extension://…, is not a request of the page)
        page.on("request", lambda request: request.url.startswith(("http:", "https:"))
                and not request.url.startswith(origin) and self.problems.append(f"third party: {request.url}"))


UNLABELLED = """Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
    .map(e => e.name || e.id || e.outerHTML.slice(0, 80))"""


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def visit(page, console: Console, role: str, path: str, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        page.wait_for_load_state("networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}-{width}.png"), full_page=width == 1280)
        assert overflow(page) <= 0, f"{path} is {overflow(page)} px too wide at {width} px"
    if not path.startswith("/api/"):  # (Redoc's own page)
        assert page.evaluate(UNLABELLED) == [], f"{path}: form fields without a label"
    assert console.problems == [], (role, path, console.problems)


def sign_in(page, email: str, password: str) -> None:
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")


@pytest.fixture
def data(org, admin_user, accounting_user, settings, live_server):
    settings.PORTAL_BASE_URL = live_server.url
    return portfolio(organisation=org, administrator=admin_user, clerk=accounting_user)


def test_an_administrators_pages(page, live_server, data, admin_user):
    from tests.conftest import PASSWORD

    console = Console(page, live_server.url)
    visit(page, console, "visiteur", "/compte/connexion/", "connexion")
    sign_in(page, admin_user.email, PASSWORD)
    for path, name in [("/", "accueil"), ("/amiable/", "cycle-amiable"),
                       ("/amiable/?pending=1&sort=company", "cycle-amiable-tri"),
                       ("/resiliations/", "resiliations"), (f"/resiliations/{data.draft_id}/", "lettre"),
                       (f"/resiliations/{data.scheduled_id}/", "lettre-programmee"),
                       (f"/resiliations/{data.draft_id}/finaliser/", "finaliser"),
                       ("/facturation/", "facturation"),
                       (f"/amiable/dossiers/{data.case_ids[-1]}/reponse/", "reponse"),
                       ("/api/docs/", "api")]:
        visit(page, console, "administrateur", path, name)


def test_a_collaborators_pages(page, live_server, data, collaborator, delegate):
    from portal.models import Member
    from tests.conftest import PASSWORD

    delegate(collaborator, list(Member.objects.all()[:3]), areas=[Area.AMIABLE, Area.RESILIATION])
    console = Console(page, live_server.url)
    sign_in(page, collaborator.email, PASSWORD)
    for path, name in [("/", "accueil"), ("/amiable/", "cycle-amiable"), ("/resiliations/", "resiliations")]:
        visit(page, console, "collaborateur", path, name)
    page.goto("/facturation/")  # not delegated: the French 403 in the layout
    assert page.get_by_role("heading", name="Accès refusé").is_visible()


def test_an_accounting_clerks_pages(page, live_server, data, accounting_user):
    from tests.conftest import PASSWORD

    console = Console(page, live_server.url)
    sign_in(page, accounting_user.email, PASSWORD)
    visit(page, console, "comptabilite", "/", "accueil")
    for path, name in [("/admin/", "admin"), ("/admin/amiable/extensionrequest/?statut=all", "prolongations"),
                       ("/admin/amiable/case/", "dossiers"), ("/admin/billing/ledgerentry/", "grand-livre")]:
        page.set_viewport_size({"width": 1280, "height": 900})
        assert page.goto(path).status == 200
        page.screenshot(path=str(SCREENSHOTS / f"comptabilite-{name}-1280.png"), full_page=True)
        # The list's columns fit: nothing scrolls sideways inside the results.
        clipped = page.evaluate("(() => { const r = document.querySelector('.results');"
                                " return r ? r.scrollWidth - r.clientWidth : 0; })()")
        assert clipped <= 0, f"{path}: the list is {clipped} px wider than its box"
    assert console.problems == []
