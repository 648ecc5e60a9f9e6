"""Fixtures of the quote tests: the grid and trades of the data migration (installed again when a
transactional test has flushed them), collaborators with and without the area, quotes issued
through the service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal import clock
from portal import services as portal_services
from portal.models import Area, Role
from quotes import services
from quotes.defaults import defaults_install
from quotes.models import Tariff, TariffRate, Trade


@pytest.fixture
def pyramide(db):
    defaults_install(Trade=Trade, Tariff=Tariff, TariffRate=TariffRate)
    return {trade.name: trade for trade in Trade.objects.all()}


@pytest.fixture
def quotes_collaborator(collaborator, delegate):
    delegate(collaborator, [], areas=(Area.QUOTES,), name="Devis")
    return collaborator


@pytest.fixture
def plain(admin_user):
    """A collaborator of the same organisation without the « devis » area."""
    return portal_services.user_create(email="plain@un.test", password="x" * 12, role=Role.COLLABORATOR,
                                       organisation=admin_user.organisation)


@pytest.fixture
def issue(pyramide):
    def _issue(user, *, prospect_name="Boulangerie Martin", trade="Boulanger-pâtissier", turnover="420000",
               staff_count=6, premises_area=140, options=("business_interruption",), today=None):
        return services.quote_issue(by=user, prospect_name=prospect_name, trade=pyramide.get(trade),
                                    turnover=Decimal(turnover), staff_count=staff_count, premises_area=premises_area,
                                    options=list(options), today=today or clock.business_today())

    return _issue


# What the form posts for a valid quote (the trade's id filled in by ``good``).
GOOD = {"prospect_name": "Menuiserie du Vercors", "trade": "", "turnover": "960 000,00", "staff_count": "11",
        "premises_area": "450", "options": ["machinery_breakdown", "business_interruption"]}


@pytest.fixture
def good(pyramide):
    return {**GOOD, "trade": str(pyramide["Menuisier"].pk)}
