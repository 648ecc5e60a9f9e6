"""Every activity URL × every role × another organisation (SPEC §2): an administrator and a
collaborator with the « suivi d'activité » area open the page and the workbook, for their own
portfolio only; a collaborator without the area, accounting and the system get 403; anonymous
visitors are sent to the login page."""

import pytest
from django.urls import reverse

from portal.models import Area, Member
from tests.access import assert_statuses

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {"activity:index", "activity:export"}


@pytest.fixture
def collaborator_with_area(collaborator, delegate, portfolio):
    delegate(collaborator, [Member.objects.get(member_number="M-1")], areas=[Area.ACTIVITY])
    return collaborator


@pytest.fixture
def collaborator_without_area(collaborator, delegate, portfolio):
    delegate(collaborator, [Member.objects.get(member_number="M-1")], areas=[Area.AMIABLE])
    return collaborator


@pytest.mark.parametrize("name", sorted(COVERED_URL_NAMES))
@pytest.mark.parametrize(("who", "expected"), [
    ("admin_user", 200),
    ("collaborator_with_area", 200),
    ("collaborator_without_area", 403),
    ("other_admin", 200),  # their own organisation's figures (below: none of Cabinet Un's)
    ("accounting_user", 403),
    ("system_user", 403),
])
def test_each_role_gets_its_exact_status(request, portfolio, client_for, name, who, expected):
    client = client_for(request.getfixturevalue(who))
    assert_statuses([(f"{who} {name}", client.get(reverse(name)).status_code, {expected})])


@pytest.mark.parametrize("name", sorted(COVERED_URL_NAMES))
def test_anonymous_visitors_are_sent_to_login(client_for, name):
    url = reverse(name)
    response = client_for(None).get(url)
    assert response.status_code == 302 and response["Location"] == f"/compte/connexion/?next={url}"


@pytest.mark.parametrize("name", sorted(COVERED_URL_NAMES))
def test_only_get_is_allowed(client_for, admin_user, name):
    assert client_for(admin_user).post(reverse(name)).status_code == 405


def test_another_organisation_sees_none_of_cabinet_un(portfolio, client_for, other_admin):
    client = client_for(other_admin)
    html = client.get(reverse("activity:index")).content.decode()
    assert "BOULANGERIE" not in html and "Flotte automobile" not in html
    assert "9 999,00" in html.replace("\u202f", " ")  # its own call of October 2025
    member = Member.objects.get(member_number="M-1")
    response = client.get(reverse("activity:index"), {"client": member.id})
    html = response.content.decode()
    assert "Ce client ne fait pas partie de votre portefeuille : filtre ignoré." in html
    assert "BOULANGERIE" not in html
    export = client.get(reverse("activity:export"), {"client": member.id})
    assert export.status_code == 200 and b"BOULANGERIE" not in export.content


def test_a_collaborator_sees_only_their_delegated_clients(collaborator_with_area, client_for):
    client = client_for(collaborator_with_area)
    html = client.get(reverse("activity:index")).content.decode().replace("\u202f", " ").replace("\xa0", " ")
    # M-1 only: 1 Pyramide Artisan policy in force, 2 000 € + 500 € called, 2 000 € collected.
    assert "Flotte automobile" not in html and "Sans produit" not in html
    assert "<strong>2 500,00 €</strong>" in html and "<strong>2 000,00 €</strong>" in html
    other = Member.objects.get(member_number="M-2")
    html = client.get(reverse("activity:index"), {"client": other.id}).content.decode()
    assert "Ce client ne fait pas partie de votre portefeuille : filtre ignoré." in html
    assert "TRANSPORTS MARTIN" not in html
    html = client.get(reverse("activity:index"), {"recherche": "TRANSPORTS"}).content.decode()
    assert "TRANSPORTS MARTIN" not in html
    assert "Aucun client de votre portefeuille ne correspond à « TRANSPORTS »." in html
