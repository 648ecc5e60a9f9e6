"""Users of the organisation and their rights (issue 10 §3, seeds 001 §9.6, 002, 003): invitation
through a personal link, roles, delegation profiles by list or by département, deactivation
(never deletion), the last administrator, the audit."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client

from portal import accounts, notifications
from portal.errors import ApplicationError
from portal.models import (
    AccountAudit,
    Area,
    DelegationDepartement,
    DelegationProfile,
    Member,
    Membership,
    OutboxMessage,
    PersonalLink,
    Role,
    User,
)
from portal.selectors import members_visible_to, policies_visible_to, user_areas
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def profile_data(name="Isère", areas=(Area.AMIABLE,), members="", departements=""):
    return accounts.ProfileData(name=name, areas=frozenset(areas), member_numbers=members, departements=departements)


def invite(org, admin_user, email="zoe.martin@un.test", role=Role.COLLABORATOR, profiles=()):
    return accounts.user_invite(organisation=org, by=admin_user, email=email, first_name="Zoé", last_name="Martin",
                                role=role, profiles=profiles)


def link_of(message: OutboxMessage) -> str:
    assert notifications.outbox_send(message_id=message.id) is True
    match = re.search(re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/\S+)", mail.outbox[-1].body)
    return match.group(1)


# ----------------------------------------------------------------------------- invitations


@pytest.mark.parametrize("email", ["contact@un.test", "Info@un.test", "accueil@un.test", "secretariat@un.test",
                                   "secretariat2@un.test", "compta@un.test", "no-reply@un.test",
                                   "direction+rh@un.test"])
def test_a_generic_address_is_refused_with_its_reason(org, admin_user, email):
    with pytest.raises(ApplicationError, match="adresse générique") as error:
        invite(org, admin_user, email=email)
    assert "sa propre adresse professionnelle" in error.value.message
    assert Membership.objects.count() == 1 and not OutboxMessage.objects.exists()


def test_an_invitation_sets_the_password_through_a_single_use_personal_link(org, admin_user, client_for):
    response = client_for(admin_user).post("/compte/utilisateurs/nouveau/", {
        "email": "Zoe.Martin@un.test", "first_name": "Zoé", "last_name": "Martin", "phone": "0612345678",
        "role": "collaborator"})
    assert response.status_code == 302
    person = User.objects.get(email="zoe.martin@un.test")
    assert not person.has_usable_password() and person.activated_at is None and person.phone == "06 12 34 56 78"
    message = OutboxMessage.objects.get(personal_link=PersonalLink.INVITATION)
    assert notifications.PERSONAL_LINK_PLACEHOLDER in message.body_text and "Cabinet Un" in message.subject
    path = link_of(message)
    client = Client()
    assert "Choisissez le mot de passe" in client.get(path).content.decode()
    weak = client.post(path, {"password1": "zoe", "password2": "zoe"})
    assert weak.status_code == 200 and "trop court" in weak.content.decode()
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and client.get("/").status_code == 200  # signed in
    person.refresh_from_db()
    assert person.check_password(PASSWORD) and person.activated_at is not None
    again = Client().post(path, {"password1": "Autre mot de passe 2026", "password2": "Autre mot de passe 2026"})
    assert "plus valable" in again.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_an_invitation_is_void_once_the_access_is_deactivated(org, admin_user):
    membership = invite(org, admin_user)
    path = link_of(OutboxMessage.objects.get(personal_link=PersonalLink.INVITATION))
    accounts.membership_set_active(membership=membership, by=admin_user, active=False)
    response = Client().post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert "cette invitation ne vaut plus" in response.content.decode()
    membership.user.refresh_from_db()
    assert not membership.user.has_usable_password() and membership.user.activated_at is None


def test_inviting_an_existing_login_of_another_organisation(org, other_org, admin_user, other_admin):
    person = accounts.user_invite(organisation=org, by=admin_user, email="zoe.martin@un.test", first_name="Zoé",
                                  last_name="Martin", role=Role.COLLABORATOR).user
    accounts.invitation_accept(**_link_parts(person), password1=PASSWORD, password2=PASSWORD)
    count = User.objects.count()
    membership = accounts.user_invite(organisation=other_org, by=other_admin, email="ZOE.MARTIN@un.test",
                                      first_name="Zoé", last_name="Martin", role=Role.ADMINISTRATOR)
    assert User.objects.count() == count and membership.user == person
    person.refresh_from_db()
    assert person.organisation == org and person.check_password(PASSWORD)  # default and password unchanged
    notice = OutboxMessage.objects.filter(to="zoe.martin@un.test").latest("id")
    assert notice.personal_link == "" and "Changer de compte entreprise" in notice.body_text
    with pytest.raises(ApplicationError, match="déjà un utilisateur du cabinet"):
        accounts.user_invite(organisation=other_org, by=other_admin, email=person.email, first_name="Zoé",
                             last_name="Martin", role=Role.COLLABORATOR)


def _link_parts(person: User) -> dict:
    path = link_of(OutboxMessage.objects.filter(personal_link_user=person).latest("id"))
    uidb64, token = path.strip("/").split("/")[-2:]
    return {"uidb64": uidb64, "token": token}


def test_staff_addresses_cannot_be_invited(org, admin_user):
    from portal import services

    clerk = services.user_create(email="camille.martin@auxiliaire.test", password=PASSWORD, role=Role.ACCOUNTING)
    with pytest.raises(ApplicationError, match="compte de L'Auxiliaire"):
        invite(org, admin_user, email=clerk.email)
    assert not Membership.objects.filter(user=clerk).exists()


def test_a_collaborator_cannot_invite_nor_change_rights(org, admin_user, collaborator):
    with pytest.raises(ApplicationError, match="Seul un administrateur"):
        invite(org, collaborator)
    membership = Membership.objects.get(user=admin_user)
    with pytest.raises(ApplicationError, match="Seul un administrateur"):
        accounts.membership_set_active(membership=membership, by=collaborator, active=False)
    with pytest.raises(ApplicationError, match="Seul un administrateur"):
        accounts.delegation_profile_save(organisation=org, by=collaborator, data=profile_data())
    assert Membership.objects.get(user=admin_user).is_active and not DelegationProfile.objects.exists()


# ------------------------------------------------------------------ roles and activation


def test_deactivation_keeps_the_person_and_closes_their_access(org, admin_user, collaborator, client_for):
    client = client_for(collaborator)
    assert client.get("/").status_code == 200
    membership = Membership.objects.get(user=collaborator)
    admin = client_for(admin_user)
    assert admin.post(f"/compte/utilisateurs/{membership.pk}/desactiver/").status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active and User.objects.filter(pk=collaborator.pk).exists()
    # The open session ends at its next request; logging in again is refused with a reason.
    assert client.get("/").status_code == 302
    login = Client().post("/compte/connexion/", {"username": collaborator.email, "password": PASSWORD})
    assert "a été désactivé par l'administrateur de votre cabinet" in login.content.decode().replace("&#x27;", "'")
    # The list still shows the person, INACTIF; reactivation gives the access back.
    assert "INACTIF" in admin.get("/compte/utilisateurs/").content.decode()
    admin.post(f"/compte/utilisateurs/{membership.pk}/reactiver/")
    assert Client().post("/compte/connexion/", {"username": collaborator.email, "password": PASSWORD}).status_code == 302
    actions = list(AccountAudit.objects.filter(organisation=org).values_list("action", "before", "after"))
    assert ("deactivate", {"état": "actif"}, {"état": "désactivé"}) in actions
    assert ("reactivate", {"état": "désactivé"}, {"état": "actif"}) in actions


def test_the_last_active_administrator_can_be_neither_demoted_nor_deactivated(org, admin_user, collaborator):
    own = Membership.objects.get(user=admin_user)
    with pytest.raises(ApplicationError, match="au moins un administrateur actif"):
        accounts.membership_update(membership=own, by=admin_user, role=Role.COLLABORATOR)
    with pytest.raises(ApplicationError, match="au moins un administrateur actif"):
        accounts.membership_set_active(membership=own, by=admin_user, active=False)
    own.refresh_from_db()
    assert own.role == Role.ADMINISTRATOR and own.is_active
    # With a second administrator, the first may step down.
    second = Membership.objects.get(user=collaborator)
    accounts.membership_update(membership=second, by=admin_user, role=Role.ADMINISTRATOR)
    accounts.membership_update(membership=own, by=admin_user, role=Role.COLLABORATOR)
    admin_user.refresh_from_db()
    assert admin_user.role == Role.COLLABORATOR  # its default membership's role
    # …and now the collaborator is the last one.
    with pytest.raises(ApplicationError, match="au moins un administrateur actif"):
        accounts.membership_set_active(membership=second, by=collaborator, active=False)


def test_the_database_refuses_to_remove_the_last_administrator(org, admin_user, collaborator):
    """A write that bypasses the services (a script, the shell) is refused by the database."""
    own = Membership.objects.filter(user=admin_user)
    for change in ({"is_active": False}, {"role": Role.COLLABORATOR}):
        with pytest.raises(IntegrityError, match="administrateur actif"), transaction.atomic():
            own.update(**change)
    assert own.get().is_active and own.get().role == Role.ADMINISTRATOR
    Membership.objects.filter(user=collaborator).update(role=Role.ADMINISTRATOR)
    own.update(is_active=False)  # another administrator is active: allowed
    assert not own.get().is_active


def test_demoting_the_last_administrator_on_the_page_says_why(org, admin_user, client_for):
    own = Membership.objects.get(user=admin_user)
    response = client_for(admin_user).post(f"/compte/utilisateurs/{own.pk}/", {"role": "collaborator"})
    assert response.status_code == 200 and "au moins un administrateur actif" in response.content.decode()
    response = client_for(admin_user).post(f"/compte/utilisateurs/{own.pk}/desactiver/", follow=True)
    assert "au moins un administrateur actif" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active and own.role == Role.ADMINISTRATOR


@pytest.mark.django_db(transaction=True)
def test_two_administrators_stepping_down_at_once_leave_one(org, admin_user, collaborator):
    """Two concurrent demotions of the two administrators: the organisation keeps one."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real parallel transactions (PostgreSQL)")
    import threading

    Membership.objects.filter(user=collaborator).update(role=Role.ADMINISTRATOR)
    memberships = list(Membership.objects.filter(organisation=org))
    barrier = threading.Barrier(2)
    outcomes = []

    def step_down(membership):
        from django.db import connections

        try:
            barrier.wait()
            with transaction.atomic():
                Membership.objects.filter(pk=membership.pk).update(is_active=False)
            outcomes.append("ok")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=step_down, args=(m,)) for m in memberships]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Membership.objects.filter(organisation=org, role=Role.ADMINISTRATOR, is_active=True).count() == 1


def test_role_and_profiles_changes_are_audited_with_before_and_after(org, admin_user, collaborator, client_for):
    accounts.delegation_profile_save(organisation=org, by=admin_user, data=profile_data(name="Isère"))
    profile = DelegationProfile.objects.get(name="Isère")
    membership = Membership.objects.get(user=collaborator)
    client_for(admin_user).post(f"/compte/utilisateurs/{membership.pk}/", {"role": "collaborator",
                                                                          "profiles": [profile.pk]})
    entry = AccountAudit.objects.filter(action="profiles_change").get()
    assert (entry.before, entry.after, entry.actor, entry.subject) == (
        {"profils": []}, {"profils": ["Isère"]}, admin_user, "Colin Collab <collab@un.test>")
    client_for(admin_user).post(f"/compte/utilisateurs/{membership.pk}/", {"role": "administrator"})
    entry = AccountAudit.objects.filter(action="role_change").get()
    assert (entry.before, entry.after) == ({"rôle": "Collaborateur"}, {"rôle": "Administrateur"})
    assert list(membership.delegation_profiles.all()) == []  # an administrator sees everything
    page = client_for(admin_user).get("/compte/journal/").content.decode()
    for text in ("Changement de rôle", "Collaborateur", "Administrateur", "Ada Admin", "Isère"):
        assert text in page


# ---------------------------------------------------------------- delegation profiles


@pytest.fixture
def clients(org, other_org, emission):
    """Clients of organisation « Un » in Isère (38), Savoie (73) and Corsica (2A), and one of the
    other organisation in Isère."""
    made = {}
    for number, postal_code, broker in (("M-38", "38000", org), ("M-73", "73000", org), ("M-2A", "20000", org),
                                        ("M-AUTRE", "38100", other_org)):
        emission(reference=f"EM-{number}", policy_number=f"P-{number}", member_number=number, company_name=number,
                 broker=broker)
        Member.objects.filter(member_number=number).update(postal_code=postal_code)
        made[number] = Member.objects.get(member_number=number)
    return made


@pytest.mark.parametrize(("postal_code", "departement"), [
    ("38000", "38"), ("01000", "01"), ("20000", "2A"), ("20190", "2A"), ("20200", "2B"), ("20600", "2B"),
    ("97100", "971"), ("97400", "974"), ("98800", "988"), ("", ""),
])
def test_the_departement_of_a_member_is_read_from_its_postal_code(emission, postal_code, departement):
    emission(member_number="M-D")
    Member.objects.filter(member_number="M-D").update(postal_code=postal_code)
    assert Member.objects.get(member_number="M-D").departement == departement


def test_a_collaborator_sees_the_members_of_their_departements_and_list(org, admin_user, collaborator, clients):
    accounts.delegation_profile_save(organisation=org, by=admin_user,
                                     data=profile_data(name="Alpes", departements="38, 2a", members="M-73"))
    profile = DelegationProfile.objects.get(name="Alpes")
    accounts.membership_update(membership=Membership.objects.get(user=collaborator), by=admin_user,
                               role=Role.COLLABORATOR, profiles=[profile])
    assert {m.member_number for m in members_visible_to(user=collaborator)} == {"M-38", "M-2A", "M-73"}
    assert user_areas(user=collaborator) == {Area.AMIABLE}
    assert not policies_visible_to(user=collaborator, area=Area.RESILIATION).exists()  # not that area
    # A client who moves to Isère is delegated by département, without touching the profile.
    Member.objects.filter(member_number="M-73").update(postal_code="38500")
    accounts.delegation_profile_save(organisation=org, by=admin_user, profile=profile,
                                     data=profile_data(name="Alpes", departements="38"))
    assert {m.member_number for m in members_visible_to(user=collaborator)} == {"M-38", "M-73"}
    # Never another organisation's client, even in a delegated département.
    assert "M-AUTRE" not in {m.member_number for m in members_visible_to(user=collaborator)}
    entry = AccountAudit.objects.filter(action="profile_update").get()
    assert entry.before["départements"] == ["2A", "38"] and entry.after["départements"] == ["38"]
    assert entry.before["sociétaires"] == ["M-73"] and entry.after["sociétaires"] == []


@pytest.mark.parametrize(("data", "message"), [
    ({"departements": "20"}, "Département inconnu"),
    ({"departements": "38, 96"}, "Département inconnu"),
    ({"members": "M-AUTRE"}, "non client(s) du cabinet : M-AUTRE"),
    ({"members": "INCONNU"}, "INCONNU"),
    ({"areas": ()}, "Choisissez au moins un espace"),
    ({"name": " "}, "Indiquez le nom du profil."),
])
def test_bad_profiles_are_refused_and_change_nothing(org, admin_user, clients, data, message):
    with pytest.raises(ApplicationError) as error:
        accounts.delegation_profile_save(organisation=org, by=admin_user, data=profile_data(**data))
    assert message in str(error.value.errors)
    assert not DelegationProfile.objects.exists() and not AccountAudit.objects.exists()


def test_profiles_are_named_and_reusable(org, admin_user, collaborator, client_for, clients):
    client = client_for(admin_user)
    response = client.post("/compte/profils/nouveau/", {"name": "Savoie", "areas": ["amiable", "courrier"],
                                                         "departements": "73", "member_numbers": ""})
    assert response.status_code == 302
    duplicate = client.post("/compte/profils/nouveau/", {"name": "savoie", "areas": ["amiable"]})
    assert "Un profil de ce nom existe déjà." in duplicate.content.decode()
    profile = DelegationProfile.objects.get()
    second = invite(org, admin_user, profiles=[profile])
    accounts.membership_update(membership=Membership.objects.get(user=collaborator), by=admin_user,
                               role=Role.COLLABORATOR, profiles=[profile])
    assert set(profile.collaborators.all()) == {second, Membership.objects.get(user=collaborator)}
    page = client.get("/compte/profils/").content.decode()
    assert "Savoie" in page and "73" in page and "Colin Collab" in page and "Zoé Martin" in page


def test_a_profile_of_another_organisation_cannot_be_given(org, other_org, admin_user, other_admin, collaborator):
    foreign = accounts.delegation_profile_save(organisation=other_org, by=other_admin, data=profile_data())
    with pytest.raises(ApplicationError, match="profils de délégation du cabinet"):
        accounts.membership_update(membership=Membership.objects.get(user=collaborator), by=admin_user,
                                   role=Role.COLLABORATOR, profiles=[foreign])
    response = Client()
    response.force_login(admin_user)
    page = response.post(f"/compte/utilisateurs/{Membership.objects.get(user=collaborator).pk}/",
                         {"role": "collaborator", "profiles": [foreign.pk]})
    assert page.status_code == 200 and "Sélectionnez un choix valide" in page.content.decode()
    assert not Membership.objects.get(user=collaborator).delegation_profiles.exists()


# --------------------------------------------------------------------- the users list


def test_the_users_list_shows_each_person_with_role_profiles_and_state(org, admin_user, collaborator, delegate,
                                                                      client_for):
    delegate(collaborator, [], name="Isère")
    invite(org, admin_user)
    html = client_for(admin_user).get("/compte/utilisateurs/").content.decode()
    for text in ("Ada Admin", "admin@un.test", "Colin Collab", "Isère", "ACTIF", "Zoé Martin", "INVITÉ",
                 "Nouvel utilisateur"):
        assert text in html
    assert "Otto" not in html  # another organisation's people


def _grow(org, admin_user, count: int) -> None:
    """``count`` more people, each with a profile (a département, a listed client), and ``count``
    more audit entries."""
    start = Membership.objects.filter(organisation=org).count()
    users = User.objects.bulk_create([User(email=f"p{start + index}@un.test", first_name="Pers",
                                           last_name=f"{start + index:04d}", role=Role.COLLABORATOR, organisation=org)
                                      for index in range(count)])
    memberships = Membership.objects.bulk_create([Membership(user=user, organisation=org, role=Role.COLLABORATOR)
                                                  for user in users])
    profiles = DelegationProfile.objects.bulk_create([DelegationProfile(organisation=org, name=f"Profil {start + i}",
                                                                        area_amiable=True) for i in range(count)])
    DelegationDepartement.objects.bulk_create([DelegationDepartement(profile=p, code="38") for p in profiles])
    DelegationProfile.collaborators.through.objects.bulk_create([
        DelegationProfile.collaborators.through(delegationprofile_id=p.pk, membership_id=m.pk)
        for p, m in zip(profiles, memberships, strict=True)])
    AccountAudit.objects.bulk_create([AccountAudit(organisation=org, actor=admin_user, actor_label="Ada",
                                                   action="invite", subject=user.email, after={"rôle": "Collaborateur"})
                                      for user in users])


@pytest.mark.parametrize("url", ["/compte/utilisateurs/", "/compte/utilisateurs/?page=2&q=pers", "/compte/profils/",
                                 "/compte/journal/"])
def test_the_users_pages_answer_from_a_constant_number_of_queries(org, admin_user, client_for, url,
                                                                  django_assert_max_num_queries):
    client = client_for(admin_user)
    _grow(org, admin_user, 10)
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    _grow(org, admin_user, 990)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
