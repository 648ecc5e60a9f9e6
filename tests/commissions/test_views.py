"""The pages: what they show (the provisional month, the statements, the lines of a collaborator's
clients only), the CSV's conventions, bad input, and a constant number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissions import services
from commissions.models import Statement
from portal import services as portal_services
from portal.models import Area


def issue_february():
    services.statements_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))


def flat(html: str) -> str:
    """The page without the spaces grouping thousands (narrow no-break or no-break spaces)."""
    return html.replace("\u202f", "").replace("\xa0", "").replace("&nbsp;", "")


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_page_lists_statements_and_the_current_month_as_provisoire(client_for, admin_user, org, february, pay):
    issue_february()
    pay(february["calls"]["second"], "80.00", date(2026, 3, 2))  # 16 % → 12,80
    html = client_for(admin_user).get(reverse("commissions:statements")).content.decode()
    assert "Provisoire" in html and "Mars 2026" in html
    assert "12,80" in html and "80,00" in html
    assert "RC-202602-07000001" in html and "68,34" in html
    assert "Télécharger le PDF" in html
    assert not Statement.objects.filter(period_start=date(2026, 3, 1)).exists()  # computed, not stored


def test_a_statement_page_shows_its_lines_and_rounding(client_for, admin_user, org, february):
    issue_february()
    statement = Statement.objects.get(organisation=org)
    html = client_for(admin_user).get(reverse("commissions:statement", args=[statement.pk])).content.decode()
    assert "P-A1" in html and "15,01" in html and "53,33" in html
    assert "aucun taux en vigueur" in html
    assert "261 C" in html and "arrondie au centime" in html


def test_a_collaborator_sees_only_the_lines_of_the_clients_delegated_to_them(client_for, collaborator, delegate,
                                                                             org, february):
    delegate(collaborator, [february["calls"]["first"].policy.member], areas=[Area.COMMISSIONS])
    issue_february()
    statement = Statement.objects.get(organisation=org)
    client = client_for(collaborator)
    html = client.get(reverse("commissions:statement", args=[statement.pk])).content.decode()
    assert "P-A1" in html and "P-A2" not in html and "P-F1" not in html
    assert "68,34" not in html  # the organisation's total is not theirs
    listing = client.get(reverse("commissions:statements")).content.decode()
    assert "15,01" in listing and "Télécharger le PDF" not in listing
    text = csv_text(client.get(reverse("commissions:statement_csv", args=[statement.pk])))
    assert "P-A1" in text and "P-A2" not in text


def test_the_csv_follows_the_french_conventions(client_for, admin_user, org, february):
    issue_february()
    statement = Statement.objects.get(organisation=org)
    response = client_for(admin_user).get(reverse("commissions:statement_csv", args=[statement.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="releve-commissions-RC-202602-07000001.csv"' in response["Content-Disposition"]
    text = csv_text(response)
    assert text.startswith("\ufeffNature;Date de paiement;")
    rows = text[1:].split("\r\n")
    assert rows[-1] == "" and len(rows) == 5
    first = next(row for row in rows if "P-A1" in row).split(";")
    assert first[1] == "10/02/2026" and first[5] == "'=DUPONT SARL"  # formula neutralised
    assert first[7:] == ["100,05", "15,00", "15,01"]


def test_a_reversal_line_shows_negative_amounts(client_for, admin_user, org, february):
    issue_february()
    february["second"].delete()
    html = client_for(admin_user).get(reverse("commissions:provisional")).content.decode()
    assert "Régularisation : paiement annulé" in html and "-53,33" in html


@pytest.mark.parametrize("query", ["?page=abc", "?page=99999999999999999999999", "?page=-1", "?page=%00"])
def test_a_bad_page_number_shows_a_page(client_for, admin_user, org, february, query):
    issue_february()
    statement = Statement.objects.get(organisation=org)
    client = client_for(admin_user)
    for url in (reverse("commissions:statements"), reverse("commissions:provisional"),
                reverse("commissions:statement", args=[statement.pk])):
        assert client.get(url + query).status_code == 200


def test_unknown_statements_are_not_found(client_for, admin_user, org):
    client = client_for(admin_user)
    assert client.get("/commissions/99999999999999999999/").status_code == 404
    assert client.get("/commissions/0/releve.pdf").status_code == 404
    assert client.get("/commissions/abc/").status_code == 404


# ------------------------------------------------------------------ constant query counts


def portfolio(org, size: int, *, start: int = 0):
    """``size`` policies of Pyramide Artisan, each paid in February and in March."""
    rows = [portal_services.EmissionRow(
        reference=f"EM-{org.orias}-{index}", policy_number=f"P{org.orias[-1]}{index:06d}", member_number=f"M{index}",
        company_name=f"CLIENT {index}", broker_orias=org.orias, broker_manages=True, due_date=date(2026, 2, 2),
        amount=Decimal("900.00"), product="pyramide_artisan") for index in range(start, start + size)]
    portal_services.emissions_import(rows=rows)
    payments = []
    for row in rows:
        payments.append(portal_services.PaymentRow(row.reference, Decimal("300.00"), date(2026, 2, 10),
                                                   f"PAY-{row.reference}-F"))
        payments.append(portal_services.PaymentRow(row.reference, Decimal("300.00"), date(2026, 3, 2),
                                                   f"PAY-{row.reference}-M"))
    portal_services.payments_import(rows=payments, today=date(2026, 3, 2))


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(context.captured_queries)


def user_of(organisation, role: str, delegate):
    from tests.conftest import PASSWORD

    user = portal_services.user_create(email=f"{role}@{organisation.orias}.test", password=PASSWORD, role=role,
                                       organisation=organisation)
    if role == "collaborator":
        from portal.models import Member

        members = Member.objects.filter(policies__broker=organisation).distinct()
        delegate(user, list(members), areas=[Area.COMMISSIONS])
    return user


@pytest.mark.parametrize("role", ["administrator", "collaborator"])
def test_pages_answer_from_a_constant_number_of_queries(client_for, delegate, org, other_org, products, role):
    """The same pages for a 2-policy and a 150-policy organisation: the same number of queries."""
    portfolio(org, 2)
    portfolio(other_org, 150, start=1000)
    issue_february()
    counts = []
    for organisation in (org, other_org):
        statement = Statement.objects.get(organisation=organisation)
        client = client_for(user_of(organisation, role, delegate))
        pages = [reverse("commissions:statements"), reverse("commissions:provisional"),
                 reverse("commissions:provisional_csv"), reverse("commissions:statement", args=[statement.pk]),
                 reverse("commissions:statement_csv", args=[statement.pk])]
        counts.append([queries_of(client, url) for url in pages])
    assert Statement.objects.get(organisation=other_org).line_count == 150
    assert counts[0] == counts[1]


def test_until_last_month_is_issued_its_payments_wait_for_its_statement(client_for, admin_user, org, february, pay):
    """On 2 March, before February's statements: the provisoire of March leaves February out."""
    pay(february["calls"]["second"], "80.00", date(2026, 3, 2))
    client = client_for(admin_user)
    text = csv_text(client.get(reverse("commissions:provisional_csv")))
    assert "P-A2" in text and "P-A1" not in text and "Régularisation" not in text
    issue_february()
    late = pay(february["calls"]["first"], "10.00", date(2026, 2, 27))  # recorded after February's issue
    text = csv_text(client.get(reverse("commissions:provisional_csv")))
    assert late.reference in text and "Régularisation : paiement enregistré après la clôture" in text


def test_the_provisional_lines_are_paginated_by_fifty_with_the_totals_of_all(client_for, admin_user, org, products):
    """61 payments in March (February's wait for its statement): 50 lines on page 1, 11 on page 2,
    the totals (by SQL aggregate) those of the 61 lines."""
    portfolio(org, 61)
    client = client_for(admin_user)
    first = flat(client.get(reverse("commissions:provisional")).content.decode())
    assert "page 1/2 (61 lignes)" in first and first.count("<td class=\"date\">02/03/2026</td>") == 50
    assert "18300,00" in first and "2928,00" in first  # 61 × 300,00 at 16 % = 61 × 48,00
    second = client.get(reverse("commissions:provisional") + "?page=2").content.decode()
    assert "page 2/2 (61 lignes)" in second and second.count("<td class=\"date\">02/03/2026</td>") == 11
    listing = flat(client.get(reverse("commissions:statements")).content.decode())
    assert "18300,00" in listing and "2928,00" in listing
