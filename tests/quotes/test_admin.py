"""Staff keep the trades and grids: a grid in effect is never changed (a later grid replaces it);
quotes are read-only in the admin."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from portal import services as portal_services
from portal.models import User
from quotes.models import Tariff, Trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(accounting_user):
    portal_services.accounting_group_sync()
    return User.objects.get(pk=accounting_user.pk)


def test_a_clerk_adds_a_trade_and_an_upcoming_grid(client_for, clerk, pyramide):
    client = client_for(clerk)
    response = client.post(reverse("admin:quotes_trade_add"), {"name": "Vitrailliste", "tariff_class": "2",
                                                                "is_active": "on"})
    assert response.status_code == 302 and Trade.objects.get(name="Vitrailliste").tariff_class == 2
    response = client.post(reverse("admin:quotes_tariff_add"), {
        "effective_from": "01/01/2027", "tax_rate": "9", "price_per_square_metre": "1,30",
        "price_per_employee": "40", "machinery_breakdown_price": "150", "business_interruption_price": "215",
        "legal_protection_price": "99",
        "rates-TOTAL_FORMS": "1", "rates-INITIAL_FORMS": "0", "rates-MIN_NUM_FORMS": "0", "rates-MAX_NUM_FORMS": "1000",
        "rates-0-tariff_class": "1", "rates-0-turnover_up_to": "50000000", "rates-0-base_premium": "500,00",
    })
    assert response.status_code == 302
    upcoming = Tariff.objects.get(effective_from=date(2027, 1, 1))
    assert upcoming.price_per_square_metre == Decimal("1.30") and upcoming.rates.count() == 1
    # Until its date of effect it may still be corrected.
    change = client.get(reverse("admin:quotes_tariff_change", args=[upcoming.pk])).content.decode()
    assert 'name="_save"' in change


def test_a_grid_in_effect_is_never_changed(client_for, clerk, pyramide):
    current = Tariff.objects.get(effective_from=date(2026, 1, 1))
    client = client_for(clerk)
    page = client.get(reverse("admin:quotes_tariff_change", args=[current.pk])).content.decode()
    assert 'name="_save"' not in page
    response = client.post(reverse("admin:quotes_tariff_change", args=[current.pk]), {
        "effective_from": "01/01/2026", "tax_rate": "0", "price_per_square_metre": "0", "price_per_employee": "0",
        "machinery_breakdown_price": "0", "business_interruption_price": "0", "legal_protection_price": "0"})
    assert response.status_code == 403
    current.refresh_from_db()
    assert current.tax_rate == Decimal("9.00")


def test_quotes_are_read_only(client_for, clerk, issue, admin_user):
    quote = issue(admin_user)
    client = client_for(clerk)
    assert client.get(reverse("admin:quotes_quote_changelist")).status_code == 200
    assert 'name="_save"' not in client.get(reverse("admin:quotes_quote_change", args=[quote.pk])).content.decode()
    assert client.get(reverse("admin:quotes_quote_add")).status_code == 403
    assert client.post(reverse("admin:quotes_quote_delete", args=[quote.pk]), {"post": "yes"}).status_code == 403
