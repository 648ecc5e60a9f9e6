"""The quote form, the list of quotes with their status by the business date, the PDF; a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import StoredDocument
from portal.pdf import document_bytes
from quotes.models import Quote

pytestmark = pytest.mark.django_db

def test_the_form_issues_a_quote_and_the_list_shows_it(client_for, admin_user, good):
    client = client_for(admin_user)
    form = client.get(reverse("quotes:new")).content.decode()
    assert "Ébéniste" in form and "Bris de machine" in form and "tarif en vigueur au 01/01/2026" in form
    response = client.post(reverse("quotes:new"), good, follow=True)
    quote = Quote.objects.get()
    assert quote.turnover == 960000 and quote.machinery_breakdown and quote.business_interruption
    html = response.content.decode()
    assert f"Devis {quote.number} établi" in html and "valable jusqu&#x27;au 01/04/2026 inclus" in html
    assert "Menuiserie du Vercors" in html and '<span class="badge badge--ok">valide</span>' in html


def test_every_wrong_field_is_shown_at_once_and_nothing_is_saved(client_for, admin_user, good):
    bad = {**good, "prospect_name": "", "trade": "999999", "turnover": "-5", "staff_count": "600",
           "premises_area": "beaucoup", "options": ["assistance"]}
    response = client_for(admin_user).post(reverse("quotes:new"), bad)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"prospect_name", "trade", "turnover", "staff_count", "premises_area", "options"}
    assert errors["turnover"] == ["Le chiffre d'affaires ne peut pas être négatif."]
    assert errors["staff_count"] == ["Au-delà de 500 salariés, l'entreprise ne relève pas de Pyramide Artisan."]
    assert errors["premises_area"] == ["Saisissez une surface entière en m²."]
    assert errors["trade"] == ["Choisissez le métier de l'artisan dans la liste."]
    assert not Quote.objects.exists() and not StoredDocument.objects.exists()


@pytest.mark.parametrize("turnover", ["60 000 000", "1e30", "NaN", "Infinity", "12,345", "\x00"])
def test_absurd_or_malformed_turnovers_are_form_errors(client_for, admin_user, good, turnover):
    response = client_for(admin_user).post(reverse("quotes:new"), {**good, "turnover": turnover})
    assert response.status_code == 400 and "turnover" in response.context["form"].errors
    assert not Quote.objects.exists()


def test_no_grid_in_effect_is_shown_above_the_form(client_for, admin_user, good, set_today):
    set_today("2025-12-31")
    response = client_for(admin_user).post(reverse("quotes:new"), good)
    assert response.status_code == 400
    assert "Aucun tarif Pyramide Artisan n&#x27;est en vigueur au 31/12/2025" in response.content.decode()
    assert not Quote.objects.exists()


def test_status_valid_then_expired_by_the_clock(client_for, admin_user, issue, set_today):
    quote = issue(admin_user)
    client = client_for(admin_user)

    def status() -> str:
        html = client.get(reverse("quotes:quotes")).content.decode()
        row = html.split(f'id="devis-{quote.number}"', 1)[1].split("</tr>", 1)[0]
        return "valide" if ">valide<" in row else "expiré" if ">expiré<" in row else "?"

    assert status() == "valide"
    set_today(quote.valid_until)  # the 30th day after issue: still valid (included)
    assert status() == "valide"
    set_today(quote.valid_until + timedelta(days=1))
    assert status() == "expiré"


def test_the_pdf_is_the_document_as_issued(client_for, admin_user, issue):
    quote = issue(admin_user)
    response = client_for(admin_user).get(reverse("quotes:pdf", args=[quote.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and "DPA-2026-000001.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == document_bytes(quote.document)


def test_the_list_costs_the_same_queries_for_few_and_many_quotes(client_for, admin_user, issue):
    quote = issue(admin_user)

    def queries() -> int:
        client = client_for(admin_user)
        client.get(reverse("quotes:quotes"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("quotes:quotes")).status_code == 200
        return len(captured)

    small = queries()
    copies = []
    for sequence in range(2, 60):
        copy = Quote.objects.get(pk=quote.pk)
        copy.pk, copy.sequence, copy.number = None, sequence, f"DPA-2026-{sequence:06d}"
        copies.append(copy)
    Quote.objects.bulk_create(copies)
    assert queries() == small


def test_the_form_costs_the_same_queries_whatever_the_number_of_trades(client_for, admin_user, pyramide):
    from quotes.models import Trade

    def queries() -> int:
        client = client_for(admin_user)
        client.get(reverse("quotes:new"))
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("quotes:new"))
        return len(captured)

    small = queries()
    Trade.objects.bulk_create([Trade(name=f"Métier {index}", tariff_class=1 + index % 5) for index in range(80)])
    assert queries() == small


def test_the_list_filters_by_status(client_for, admin_user, issue, set_today):
    from datetime import date

    issue(admin_user, prospect_name="Alpha Ancien", today=date(2026, 1, 15))  # valid until 14/02: expired
    issue(admin_user, prospect_name="Bravo Récent")
    client = client_for(admin_user)

    def names(status) -> set[str]:
        html = client.get(reverse("quotes:quotes"), {"statut": status}).content.decode()
        return {name for name in ("Alpha", "Bravo") if name in html}

    assert names("valid") == {"Bravo"}
    assert names("expired") == {"Alpha"}
    assert names("") == names("n'importe quoi") == names("\x00") == {"Alpha", "Bravo"}
