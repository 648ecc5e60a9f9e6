"""Shared fixtures: people of every role in two organisations, built through the services."""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal import services
from portal.models import Area, Role
from tests import profiles  # noqa: F401  (loads the Hypothesis profile: ci by default, thorough on demand)
from tests.s3 import s3_bucket, s3_server  # noqa: F401  (fixtures: files in an S3 bucket of moto's server)

PASSWORD = "correct horse battery"


TRANSACTIONAL_FIXTURES = ("transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback")


def _transactional(item) -> bool:
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return any(name in getattr(item, "fixturenames", ()) for name in TRANSACTIONAL_FIXTURES)


def pytest_collection_modifyitems(config, items):
    """The long tests first (``slow``: the fuzz, the admin matrix, the demo commands, the
    migrations; then the browser tests), so that pytest-xdist's two processes finish together
    instead of one running the fuzz alone at the end. Tests that empty the database (transactional
    ones: live server, migrations) stay after the others, as Django and pytest-django order them:
    the rows that migrations install (FAQ, tariffs) are there for every test before them."""

    def weight(item) -> tuple[bool, int]:
        slow, browser = item.get_closest_marker("slow"), item.get_closest_marker("browser")
        return _transactional(item), 0 if slow else 1 if browser else 2

    items.sort(key=weight)  # stable: ties keep the collection order


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_use_migrations,
                    django_db_keepdb, django_db_createdb, django_db_modify_db_settings):
    """pytest-django's, starting from the migrated template when there is one
    (``tests/template_db.py``): the migrations run once per schema, not once per process."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    from tests import template_db

    use_template = template_db.enabled() and django_db_use_migrations and not django_db_keepdb
    with django_db_blocker.unblock():
        copied = template_db.before_setup() if use_template else False
        aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
        config = setup_databases(verbosity=request.config.option.verbose, interactive=False, aliases=aliases,
                                 serialized_aliases=serialized_aliases, keepdb=copied or django_db_keepdb)
        if use_template and not copied:
            template_db.after_setup()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


FROZEN_MOMENT = "2026-03-02T10:00"  # a Monday morning, Europe/Paris


@pytest.fixture(autouse=True)
def _business_clock(monkeypatch):
    """No test depends on the wall clock: the business moment (date and time of day) is fixed
    unless a test moves it (``set_today`` moves the date, ``set_now`` the whole moment)."""
    monkeypatch.setenv("PORTAL_NOW", FROZEN_MOMENT)
    monkeypatch.setenv("PORTAL_TODAY", FROZEN_MOMENT[:10])


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def set_today(monkeypatch):
    def _set(day: date | str) -> None:
        monkeypatch.setenv("PORTAL_TODAY", day if isinstance(day, str) else day.isoformat())

    return _set


@pytest.fixture
def set_now(monkeypatch):
    """Move the business moment (Europe/Paris wall time), date and time of day."""

    def _set(moment: datetime | str) -> None:
        raw = moment if isinstance(moment, str) else moment.strftime("%Y-%m-%dT%H:%M")
        monkeypatch.setenv("PORTAL_NOW", raw)
        monkeypatch.setenv("PORTAL_TODAY", raw[:10])

    return _set


@pytest.fixture
def org(db):
    return services.organisation_create(orias="07000001", name="Cabinet Un SARL", trade_name="Cabinet Un",
                                        address_line1="1 rue des Fleurs", postal_code="38000", city="Grenoble")


@pytest.fixture
def other_org(db):
    return services.organisation_create(orias="07000002", name="Agence Deux", trade_name="Agence Deux",
                                        address_line1="2 rue du Lac", postal_code="73000", city="Chambéry")


@pytest.fixture
def admin_user(org):
    return services.user_create(email="admin@un.test", password=PASSWORD, role=Role.ADMINISTRATOR,
                                organisation=org, first_name="Ada", last_name="Admin")


@pytest.fixture
def collaborator(org):
    return services.user_create(email="collab@un.test", password=PASSWORD, role=Role.COLLABORATOR,
                                organisation=org, first_name="Colin", last_name="Collab")


@pytest.fixture
def other_admin(other_org):
    return services.user_create(email="admin@deux.test", password=PASSWORD, role=Role.ADMINISTRATOR,
                                organisation=other_org, first_name="Otto", last_name="Autre")


@pytest.fixture
def accounting_user(db):
    return services.user_create(email="compta@auxiliaire.test", password=PASSWORD, role=Role.ACCOUNTING,
                                first_name="Camille", last_name="Compta")


@pytest.fixture
def system_user(db):
    return services.user_create(email="system@auxiliaire.test", password=None, role=Role.SYSTEM)


@pytest.fixture
def emission(db):
    """Build premium calls through the import service, like the insurer's system does."""

    def _emission(*, reference="EM-1", policy_number="P-1", member_number="M-1", company_name="ENTREPRISE",
                  broker=None, broker_manages=True, due_date=date(2026, 2, 2), amount="1000.00"):
        services.emissions_import(rows=[services.EmissionRow(
            reference=reference, policy_number=policy_number, member_number=member_number,
            company_name=company_name, broker_orias=broker.orias if broker else None,
            broker_manages=broker_manages and broker is not None, due_date=due_date, amount=Decimal(amount),
        )])
        from portal.models import PremiumCall

        return PremiumCall.objects.select_related("policy__member", "policy__broker").get(reference=reference)

    return _emission


@pytest.fixture
def delegate(db):
    """Give a collaborator a delegation profile on some members and areas."""

    def _delegate(user, members, areas=(Area.AMIABLE,), name="Profil"):
        return services.delegation_profile_create(organisation=user.organisation, name=name, areas=areas,
                                                  members=members, collaborators=[user])

    return _delegate


@pytest.fixture
def client_for(db):
    """A logged-in test client for a user (or an anonymous one for None)."""

    def _client(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def api_for(db):
    """An API client authenticated by token, as the insurer's system calls it."""

    def _api(user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _api


# ------------------------------------------------------------------------------- browser
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium manque : installez le paquet Debian « chromium » (make system-deps).")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login_page(page):
    """Log in through the real login form."""

    def _login(email: str, password: str = PASSWORD):
        page.goto("/compte/connexion/")
        page.get_by_label("Adresse e-mail").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/")
        return page

    return _login
