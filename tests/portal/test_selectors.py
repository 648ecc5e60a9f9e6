"""What each role may see (SPEC §2): policies and members scoped to the user, areas granted."""

import pytest
from django.contrib.auth.models import AnonymousUser

from portal import services
from portal.errors import ApplicationError
from portal.models import Area, Member, Role
from portal.selectors import members_visible_to, policies_visible_to, user_areas

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(org, other_org, emission):
    """Org: policies A (member MA) and B (MB); other org: C (member MA too) and D (MD); E has no broker."""
    emission(reference="EM-A", policy_number="P-A", member_number="MA", broker=org)
    emission(reference="EM-B", policy_number="P-B", member_number="MB", broker=org)
    emission(reference="EM-C", policy_number="P-C", member_number="MA", broker=other_org)
    emission(reference="EM-D", policy_number="P-D", member_number="MD", broker=other_org)
    emission(reference="EM-E", policy_number="P-E", member_number="ME", broker=None)
    return {member.member_number: member for member in Member.objects.all()}


def policies(user, area=Area.AMIABLE) -> set[str]:
    return set(policies_visible_to(user=user, area=area).values_list("number", flat=True))


def members(user, area=Area.AMIABLE) -> set[str]:
    return set(members_visible_to(user=user, area=area).values_list("member_number", flat=True))


def test_an_administrator_sees_the_policies_of_their_organisation(portfolio, admin_user, other_admin):
    assert policies(admin_user) == {"P-A", "P-B"}
    assert members(admin_user) == {"MA", "MB"}
    assert policies(other_admin) == {"P-C", "P-D"}
    assert members(other_admin) == {"MA", "MD"}  # a member shared by two brokers
    assert policies(admin_user, Area.BILLING) == {"P-A", "P-B"}


def test_a_collaborator_sees_only_delegated_members_in_delegated_areas(portfolio, collaborator, delegate):
    assert policies(collaborator) == set() and members(collaborator) == set()
    delegate(collaborator, [portfolio["MA"]], areas=[Area.AMIABLE])
    assert policies(collaborator) == {"P-A"}  # not P-C: the same member through another broker
    assert members(collaborator) == {"MA"}
    assert policies(collaborator, Area.RESILIATION) == set()
    delegate(collaborator, [portfolio["MB"]], areas=[Area.RESILIATION], name="Résiliations")
    assert policies(collaborator, Area.RESILIATION) == {"P-B"}
    assert policies(collaborator) == {"P-A"}


def test_accounting_the_system_and_superusers_see_everything(portfolio, accounting_user, system_user):
    superuser = services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    superuser.is_superuser = True
    everything = {"P-A", "P-B", "P-C", "P-D", "P-E"}
    for user in (accounting_user, system_user, superuser):
        assert policies(user) == everything
        assert members(user) == {"MA", "MB", "MD", "ME"}


def test_anonymous_and_inactive_users_see_nothing(portfolio, admin_user):
    assert policies(AnonymousUser()) == set()
    admin_user.is_active = False
    assert policies(admin_user) == set()
    assert user_areas(user=admin_user) == frozenset()


def test_areas_by_role(portfolio, admin_user, collaborator, accounting_user, system_user, delegate):
    assert user_areas(user=admin_user) == {area.value for area in Area}
    assert user_areas(user=collaborator) == frozenset()
    delegate(collaborator, [portfolio["MA"]], areas=[Area.AMIABLE, Area.COURRIER])
    delegate(collaborator, [], areas=[Area.BILLING], name="Factures")
    assert user_areas(user=collaborator) == {"amiable", "courrier", "billing"}
    assert user_areas(user=accounting_user) == frozenset()
    assert user_areas(user=system_user) == frozenset()
    assert user_areas(user=AnonymousUser()) == frozenset()


def test_a_delegation_cannot_cross_organisations(portfolio, collaborator, other_org, org, other_admin):
    foreign = services.user_create(email="collab@deux.test", password="x", role=Role.COLLABORATOR,
                                   organisation=other_org)
    with pytest.raises(ApplicationError, match="Seuls les collaborateurs du cabinet"):
        services.delegation_profile_create(organisation=org, name="Mauvais", areas=[Area.AMIABLE],
                                           members=[portfolio["MA"]], collaborators=[foreign])
    with pytest.raises(ApplicationError, match="Le sociétaire MD n'est pas un client du cabinet."):
        services.delegation_profile_create(organisation=org, name="Mauvais", areas=[Area.AMIABLE],
                                           members=[portfolio["MD"]], collaborators=[collaborator])
    assert not org.profiles.exists()
    assert policies(collaborator) == set()


def test_scoped_reads_are_one_query(portfolio, collaborator, delegate, django_assert_num_queries):
    delegate(collaborator, [portfolio["MA"], portfolio["MB"]])
    with django_assert_num_queries(1):
        assert len(list(policies_visible_to(user=collaborator, area=Area.AMIABLE))) == 2
    with django_assert_num_queries(1):
        assert len(list(members_visible_to(user=collaborator, area=Area.AMIABLE))) == 2
