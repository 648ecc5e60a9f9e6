"""« Portefeuille » (issue 10 §4, seed 003): the organisation's clients with their policies, a
search, and to which collaborators each is delegated; constant query count."""

from datetime import date
from decimal import Decimal

import pytest

from portal import accounts, services
from portal.models import Area, DelegationProfile, Member, Membership, Policy, Role

pytestmark = pytest.mark.django_db


def rows(organisation, count: int, *, start: int = 0, postal_code: str = "38000") -> None:
    """``count`` clients of ``organisation``, two policies each, imported like the insurer does."""
    services.emissions_import(rows=[
        services.EmissionRow(reference=f"EM-{organisation.orias}-{index}-{suffix}",
                             policy_number=f"P{organisation.orias[-2:]}{index:05d}{suffix}",
                             member_number=f"M{organisation.orias[-2:]}{index:05d}", company_name=f"CLIENT {index:05d}",
                             broker_orias=organisation.orias, broker_manages=True, due_date=date(2026, 2, 2),
                             amount=Decimal("100.00"))
        for index in range(start, start + count) for suffix in ("A", "B")
    ], today=date(2026, 3, 2))
    Member.objects.filter(member_number__startswith=f"M{organisation.orias[-2:]}").update(postal_code=postal_code)


def test_the_portfolio_lists_clients_policies_and_delegates(org, other_org, admin_user, collaborator, client_for):
    rows(org, 3)
    rows(other_org, 1)
    Member.objects.filter(member_number="M0100002").update(postal_code="73000", city="CHAMBÉRY")
    by_list = accounts.delegation_profile_save(organisation=org, by=admin_user, data=accounts.ProfileData(
        name="Liste", areas=frozenset({Area.AMIABLE}), member_numbers="M0100000", departements=""))
    by_departement = accounts.delegation_profile_save(organisation=org, by=admin_user, data=accounts.ProfileData(
        name="Savoie", areas=frozenset({Area.AMIABLE}), member_numbers="", departements="73"))
    accounts.membership_update(membership=Membership.objects.get(user=collaborator), by=admin_user,
                               role=Role.COLLABORATOR, profiles=[by_list, by_departement])
    html = client_for(admin_user).get("/portefeuille/").content.decode()
    for text in ("M0100000", "CLIENT 00000", "P0100000A", "P0100000B", "M0100002", "CHAMBÉRY"):
        assert text in html
    assert "M0200000" not in html  # the other organisation's client
    assert "Colin Collab <small class=\"muted\">— Liste, liste</small>" in html
    assert "Colin Collab <small class=\"muted\">— Savoie, département 73</small>" in html
    assert "administrateurs seulement" in html  # M0100001, delegated to nobody


@pytest.mark.parametrize(("term", "found", "not_found"), [
    ("M0100001", "CLIENT 00001", "CLIENT 00002"),
    ("client 00002", "M0100002", "M0100001"),
    ("P0100001B", "CLIENT 00001", "CLIENT 00002"),
    ("73", "CLIENT 00002", "CLIENT 00001"),
])
def test_the_portfolio_is_searched(org, admin_user, client_for, term, found, not_found):
    rows(org, 3)
    Member.objects.filter(member_number="M0100002").update(postal_code="73000")
    html = client_for(admin_user).get("/portefeuille/", {"q": term}).content.decode()
    assert found in html and not_found not in html


def test_a_deactivated_collaborator_is_no_delegate(org, admin_user, collaborator, client_for):
    rows(org, 1)
    profile = accounts.delegation_profile_save(organisation=org, by=admin_user, data=accounts.ProfileData(
        name="Isère", areas=frozenset({Area.AMIABLE}), member_numbers="", departements="38"))
    membership = Membership.objects.get(user=collaborator)
    accounts.membership_update(membership=membership, by=admin_user, role=Role.COLLABORATOR, profiles=[profile])
    accounts.membership_set_active(membership=membership, by=admin_user, active=False)
    assert "Colin Collab" not in client_for(admin_user).get("/portefeuille/").content.decode()


def test_the_portfolio_answers_from_a_constant_number_of_queries(org, admin_user, collaborator, client_for,
                                                                 django_assert_max_num_queries):
    client = client_for(admin_user)
    rows(org, 10)
    profile = DelegationProfile.objects.create(organisation=org, name="Isère", area_amiable=True)
    profile.members.set(Member.objects.all())
    profile.departements.create(code="38")
    profile.collaborators.set([Membership.objects.get(user=collaborator)])
    with django_assert_max_num_queries(15) as few:
        assert client.get("/portefeuille/").status_code == 200
    rows(org, 990, start=10)
    profile.members.set(Member.objects.all())
    for index in range(20):
        extra = DelegationProfile.objects.create(organisation=org, name=f"P{index}", area_amiable=True)
        extra.members.set(Member.objects.all()[:100])
        extra.departements.create(code="38")
        extra.collaborators.set([Membership.objects.get(user=collaborator)])
    assert Policy.objects.filter(broker=org).count() == 2000
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/portefeuille/", {"page": 3})
    assert response.status_code == 200 and "page 3/20" in response.content.decode()
