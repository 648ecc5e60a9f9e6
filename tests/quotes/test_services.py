"""Issuing quotes: the premium from the grid in effect, numbers unique per year, the PDF kept as
issued; bad input is a French error on its field and saves nothing."""

from datetime import date
from decimal import Decimal

import pytest

from portal.errors import ApplicationError
from portal.models import StoredDocument
from portal.pdf import document_bytes, sha256_hex
from quotes import services
from quotes.models import Quote, QuoteSequence, Tariff, TariffRate

pytestmark = pytest.mark.django_db


def test_a_quote_is_priced_numbered_and_kept_as_issued(issue, admin_user):
    quote = issue(admin_user)
    assert quote.number == "DPA-2026-000001" and (quote.year, quote.sequence) == (2026, 1)
    assert quote.organisation == admin_user.organisation and quote.created_by == admin_user
    assert (quote.trade_name, quote.tariff_class) == ("Boulanger-pâtissier", 2)
    # Class 2 (× 1,25), band ≤ 500 000 €: 762,50 + 168,00 + 228,00 + 210,00 = 1 368,50 HT, 9 % of taxes.
    assert (quote.premium_excluding_tax, quote.tax_amount, quote.premium_including_tax) == (
        Decimal("1368.50"), Decimal("123.17"), Decimal("1491.67"))
    assert (quote.issued_on, quote.valid_until) == (date(2026, 3, 2), date(2026, 4, 1))
    assert quote.business_interruption and not quote.machinery_breakdown and not quote.legal_protection
    content = document_bytes(quote.document)
    assert content.startswith(b"%PDF") and quote.document.sha256 == sha256_hex(content)
    assert quote.document.original_name == "Devis DPA-2026-000001.pdf"


def test_numbers_follow_each_other_and_start_again_each_year(issue, admin_user, other_admin):
    numbers = [issue(admin_user).number, issue(other_admin).number, issue(admin_user).number]
    assert numbers == ["DPA-2026-000001", "DPA-2026-000002", "DPA-2026-000003"]  # one series for the insurer
    assert issue(admin_user, today=date(2027, 1, 4)).number == "DPA-2027-000001"
    assert dict(QuoteSequence.objects.values_list("year", "last_value")) == {2026: 3, 2027: 1}


def test_the_pdf_says_what_was_quoted(issue, admin_user):
    import io

    from pypdf import PdfReader

    quote = issue(admin_user, options=("machinery_breakdown", "business_interruption", "legal_protection"))
    reader = PdfReader(io.BytesIO(document_bytes(quote.document)))
    assert len(reader.pages) == 1  # every option included, on one page
    text = reader.pages[0].extract_text()
    for expected in ("DPA-2026-000001", "Boulangerie Martin", "Boulanger-pâtissier", "Bris de machine",
                     "Protection juridique", "01/04/2026", "Cabinet Un", "Lyon, le 2 mars 2026"):
        assert expected in text, expected


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"turnover": "-1"}, "turnover", "ne peut pas être négatif"),
    ({"turnover": "50000000.01"}, "turnover", "plus de 50 000 000 €"),
    ({"turnover": "1E+30"}, "turnover", "plus de 50 000 000 €"),
    ({"staff_count": -1}, "staff_count", "ne peut pas être négatif"),
    ({"staff_count": 501}, "staff_count", "Au-delà de 500 salariés"),
    ({"premises_area": 0}, "premises_area", "au moins 1 m²"),
    ({"premises_area": 20001}, "premises_area", "plus de 20 000 m²"),
    ({"prospect_name": "  "}, "prospect_name", "raison sociale"),
    ({"trade": "Astronaute"}, "trade", "métier"),
    ({"options": ("assistance_spatiale",)}, "options", "n'existe pas"),
])
def test_bad_input_is_a_french_error_and_saves_nothing(issue, admin_user, overrides, field, message):
    with pytest.raises(ApplicationError) as refused:
        issue(admin_user, **overrides)
    assert refused.value.field == field and message in refused.value.message
    assert not Quote.objects.exists() and not StoredDocument.objects.exists()
    assert not QuoteSequence.objects.filter(last_value__gt=0).exists()  # no number taken


def test_no_grid_in_effect_is_a_french_error(issue, admin_user):
    with pytest.raises(ApplicationError, match="Aucun tarif Pyramide Artisan n'est en vigueur au 31/12/2025"):
        issue(admin_user, today=date(2025, 12, 31))
    assert not Quote.objects.exists()


def test_a_new_grid_applies_from_its_date_of_effect(issue, admin_user):
    current = Tariff.objects.get()
    upcoming = Tariff.objects.create(effective_from=date(2026, 4, 1), price_per_square_metre=Decimal("1.50"),
                                     price_per_employee=Decimal("40"), machinery_breakdown_price=Decimal("150"),
                                     business_interruption_price=Decimal("220"), legal_protection_price=Decimal("99"),
                                     tax_rate=Decimal("9"))
    TariffRate.objects.bulk_create([TariffRate(tariff=upcoming, tariff_class=rate.tariff_class,
                                               turnover_up_to=rate.turnover_up_to, base_premium=rate.base_premium)
                                    for rate in current.rates.all()])
    assert issue(admin_user, today=date(2026, 3, 31)).tariff == current
    later = issue(admin_user, today=date(2026, 4, 1))
    assert later.tariff == upcoming and later.premium_excluding_tax == Decimal("762.50") + 210 + 220 + 240


def test_a_turnover_beyond_the_grid_is_refused(issue, admin_user):
    TariffRate.objects.filter(turnover_up_to__gt=1_500_000).delete()
    with pytest.raises(ApplicationError, match="ne couvre pas ce chiffre d'affaires") as refused:
        issue(admin_user, turnover="2000000")
    assert refused.value.field == "turnover"


def test_only_a_user_with_the_area_issues_quotes(issue, plain, accounting_user):
    for user in (plain, accounting_user):
        with pytest.raises(ApplicationError, match="habilitations"):
            issue(user)
    assert not Quote.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_share_a_number(settings):
    """Eight threads take numbers at once: all different, none lost (PostgreSQL row lock)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL seulement (SQLite sérialise les écritures)")

    def take(_):
        try:
            return services.quote_number_take(year=2026)[1]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(take, range(40)))
    assert sorted(numbers) == [f"DPA-2026-{value:06d}" for value in range(1, 41)]
