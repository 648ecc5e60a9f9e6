"""``quotes_demo`` (run by ``seed_demo``): valid and expired quotes for the demo administrators,
idempotent; the grid and trades come from the data migration (``quotes.defaults``)."""

from io import StringIO

import pytest
from django.core.management import call_command

from portal import clock
from portal import services as portal_services
from portal.models import Role
from quotes.defaults import TRADES, defaults_install
from quotes.models import Quote, Tariff, TariffRate, Trade
from quotes.selectors import quote_rows_for

pytestmark = pytest.mark.django_db


def test_the_default_grid_and_trades_install_once(pyramide):
    defaults_install(Trade=Trade, Tariff=Tariff, TariffRate=TariffRate)
    assert Trade.objects.count() == len(TRADES) and Tariff.objects.count() == 1
    assert TariffRate.objects.count() == 5 * 6  # five classes, six turnover bands


def test_demo_quotes_valid_and_expired_and_idempotent(pyramide, org):
    courtier = portal_services.user_create(email="courtier@demo.test", password="demo", role=Role.ADMINISTRATOR,
                                           organisation=org)
    call_command("quotes_demo", stdout=StringIO())
    call_command("quotes_demo", stdout=StringIO())
    assert Quote.objects.count() == 6
    statuses = list(quote_rows_for(user=courtier, today=clock.business_today()).values_list("status", flat=True))
    assert statuses.count("valid") == 4 and statuses.count("expired") == 2
