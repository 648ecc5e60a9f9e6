"""The page « Suivre votre activité » and its workbook: charts readable without JavaScript,
filters in the URL with French errors, constant queries whatever the portfolio."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import Member

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


def test_the_page_shows_charts_with_their_text_alternative(cycle_history, client_for, admin_user):
    html = text(client_for(admin_user).get(reverse("activity:index")))
    assert "<h1>Suivre <strong>mon activité</strong></h1>" in html
    assert html.count('<svg class="chart__svg"') == 5
    assert html.count('role="img" aria-labelledby=') == 5
    assert "<title>oct. 25 — Cotisations appelées : 3 000 €</title>" in html
    assert '<th scope="row">octobre 2025</th><td class="num">3 000,00 €</td><td class="num">3 000,00 €</td>' in html
    assert "Télécharger tous les suivis d'activité" in html
    assert "de avril 2024 à mars 2026" in html
    assert '<th scope="row">Rappel</th><td class="num">1</td>' in html


def test_the_period_filter(portfolio, client_for, admin_user):
    html = text(client_for(admin_user).get(reverse("activity:index"), {"du": "2025-10", "au": "2026-01"}))
    assert "de octobre 2025 à janvier 2026" in html
    assert "septembre 2025" not in html and "février 2026" not in html
    assert "<strong>6 500,00 €</strong>" in html  # 3 000 + 500 + 3 000


@pytest.mark.parametrize(("query", "message"), [
    ({"du": "2026-13"}, "« Du mois »"),
    ({"du": "mars"}, "« Du mois »"),
    ({"au": "2026-01", "du": "2026-02"}, "« Au mois »"),
    ({"du": "2024-01", "au": "2026-03"}, "« Au mois »"),  # 27 months
    ({"du": "2019-01"}, "« Du mois »"),  # before the months kept
    ({"client": "abc"}, "« Client »"),
    ({"client": "99999999999999999999999"}, "« Client »"),
])
def test_a_wrong_filter_is_ignored_with_a_french_message(portfolio, client_for, admin_user, query, message):
    response = client_for(admin_user).get(reverse("activity:index"), query)
    assert response.status_code == 200
    html = text(response).replace("&#x27;", "'")
    assert f"Filtre ignoré car sa valeur n'est pas valide : {message}" in html


def test_client_search_then_one_client(portfolio, client_for, admin_user):
    client = client_for(admin_user)
    member = Member.objects.get(member_number="M-2")
    html = text(client.get(reverse("activity:index"), {"recherche": "martin"}))
    assert f'href="?client={member.id}&amp;du=2024-04&amp;au=2026-03">TRANSPORTS MARTIN — M-2</a>' in html
    html = text(client.get(reverse("activity:index"), {"client": member.id}))
    assert "Client : TRANSPORTS MARTIN — M-2" in html
    assert "<strong>4 000,00 €</strong>" in html and "<strong>3 000,00 €</strong>" in html


def test_the_workbook_has_one_sheet_per_table(cycle_history, client_for, admin_user):
    response = client_for(admin_user).get(reverse("activity:export"), {"du": "2025-10", "au": "2026-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="suivis-activite-2026-01.xlsx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["Polices par produit", "Cotisations", "Dossiers amiables",
                                   "Suspensions et résiliations"]
    premiums = [[cell.value for cell in row] for row in workbook["Cotisations"].iter_rows()]
    assert premiums[0] == ["Mois d'échéance", "Cotisations appelées", "Cotisations encaissées", "Taux d'encaissement"]
    assert premiums[1] == ["octobre 2025", 3000, 3000, 100]
    assert premiums[4] == ["janvier 2026", 3000, 2000, 66.7]
    steps = [[cell.value for cell in row] for row in workbook["Dossiers amiables"].iter_rows()]
    assert steps == [["Étape", "Dossiers ouverts"], ["Rappel", 1], ["Mise en demeure", 0], ["Garanties suspendues", 0]]
    cover = [[cell.value for cell in row] for row in workbook["Suspensions et résiliations"].iter_rows()]
    assert cover[3] == ["décembre 2025", 1, 0] and cover[4] == ["janvier 2026", 0, 1]


def test_a_product_name_like_a_formula_stays_text(portfolio, products, refresh, client_for, admin_user):
    products["flotte_automobile"].name = "=HYPERLINK(\"http://x\")"
    products["flotte_automobile"].save()
    workbook = load_workbook(BytesIO(client_for(admin_user).get(reverse("activity:export")).content))
    cell = next(row[0] for row in workbook["Polices par produit"].iter_rows() if str(row[0].value).startswith("="))
    assert cell.data_type == "s"


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_queries_are_the_same_for_a_small_and_a_large_portfolio(portfolio, calls, org, refresh, client_for,
                                                                admin_user, collaborator, delegate):
    admin, collab = client_for(admin_user), client_for(collaborator)
    delegate(collaborator, list(Member.objects.filter(member_number__in=["M-1", "M-2"])), areas=["activity"])
    member = Member.objects.get(member_number="M-1")
    pages = [(admin, reverse("activity:index"), None), (admin, reverse("activity:index"), {"client": member.id}),
             (collab, reverse("activity:index"), None), (admin, reverse("activity:export"), None)]
    small = [_queries(*page) for page in pages]
    for number in range(40):
        calls(broker=org, policy_number=f"G-{number}", member_number=f"G-{number % 13}", company_name="GRAND",
              product="pyramide_artisan" if number % 2 else "flotte_automobile",
              dues=[(date(2025, 4 + number % 9, 7), "120.00", "60.00"), (date(2026, 2, 2), "80.00", "0")])
    delegate(collaborator, list(Member.objects.filter(member_number__startswith="G-")), areas=["activity"],
             name="Grand")
    refresh()
    large = [_queries(*page) for page in pages]
    assert small == large
