"""Every commissions URL × every role × another organisation (SPEC §2, tests/access.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from commissions import services
from commissions.models import Statement
from portal.models import Area
from tests.access import assert_statuses

COVERED_URL_NAMES = {
    "commissions:statements",
    "commissions:provisional",
    "commissions:provisional_csv",
    "commissions:statement",
    "commissions:statement_csv",
    "commissions:statement_pdf",
}
ROW_URLS = {"commissions:statement", "commissions:statement_csv", "commissions:statement_pdf"}


@pytest.fixture
def statement(org, february):
    services.statements_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    return Statement.objects.get(organisation=org)


def urls(statement) -> dict[str, str]:
    return {
        "commissions:statements": reverse("commissions:statements"),
        "commissions:provisional": reverse("commissions:provisional"),
        "commissions:provisional_csv": reverse("commissions:provisional_csv"),
        "commissions:statement": reverse("commissions:statement", args=[statement.pk]),
        "commissions:statement_csv": reverse("commissions:statement_csv", args=[statement.pk]),
        "commissions:statement_pdf": reverse("commissions:statement_pdf", args=[statement.pk]),
    }


@pytest.fixture
def collaborator_with_commissions(collaborator, delegate, february):
    delegate(collaborator, [february["calls"]["first"].policy.member], areas=[Area.COMMISSIONS])
    return collaborator


@pytest.fixture
def collaborator_without_commissions(collaborator, delegate, february):
    delegate(collaborator, [february["calls"]["first"].policy.member],
             areas=[Area.AMIABLE, Area.BILLING, Area.ACTIVITY, Area.CERTIFICATES, Area.QUOTES])
    return collaborator


def test_anonymous_is_sent_to_the_login_page(client, statement):
    results = []
    for name, url in urls(statement).items():
        response = client.get(url)
        results.append((name, response.status_code, {302}))
        assert response["Location"].startswith(reverse("login"))
    assert_statuses(results)


def test_organisation_administrator_opens_every_page(client_for, admin_user, statement):
    client = client_for(admin_user)
    assert_statuses((name, client.get(url).status_code, {200}) for name, url in urls(statement).items())


def test_collaborator_with_the_area_opens_every_page_but_the_whole_organisations_pdf(
        client_for, collaborator_with_commissions, statement):
    client = client_for(collaborator_with_commissions)
    results = [(name, client.get(url).status_code, {403} if name == "commissions:statement_pdf" else {200})
               for name, url in urls(statement).items()]
    assert_statuses(results)
    refused = client.get(urls(statement)["commissions:statement_pdf"]).content.decode()
    assert "réservé aux administrateurs" in refused


def test_collaborator_without_the_area_is_refused(client_for, collaborator_without_commissions, statement):
    client = client_for(collaborator_without_commissions)
    assert_statuses((name, client.get(url).status_code, {403}) for name, url in urls(statement).items())


def test_collaborator_without_any_delegation_is_refused(client_for, collaborator, statement):
    client = client_for(collaborator)
    assert_statuses((name, client.get(url).status_code, {403}) for name, url in urls(statement).items())


def test_administrator_of_another_organisation_never_reaches_the_first_ones_statement(
        client_for, other_admin, statement):
    client = client_for(other_admin)
    assert_statuses((name, client.get(url).status_code, {404} if name in ROW_URLS else {200})
                    for name, url in urls(statement).items())
    page = client.get(reverse("commissions:statements")).content.decode()
    assert statement.number not in page and "RC-202602-07000002" in page
    provisional = b"".join(client.get(reverse("commissions:provisional_csv")).streaming_content).decode()
    assert "P-A1" not in provisional


@pytest.mark.parametrize("who", ["accounting_user", "system_user"])
def test_insurer_staff_and_system_work_in_the_admin_not_these_pages(request, client_for, statement, who):
    client = client_for(request.getfixturevalue(who))
    assert_statuses((name, client.get(url).status_code, {403}) for name, url in urls(statement).items())


def test_a_post_is_not_allowed_anywhere(client_for, admin_user, statement):
    client = client_for(admin_user)
    # read-only pages: a POST reads the same page (no form, nothing changes)
    before = Statement.objects.count()
    for url in urls(statement).values():
        client.post(url)
    assert Statement.objects.count() == before
