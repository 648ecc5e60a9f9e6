"""Access matrix of the account pages (issue 10 §1–5): every new URL × every role × another
organisation. Rows of organisation « Un » (a membership, a delegation profile) answer 404 to the
other organisation's administrator; the administrators' pages answer 403 to a collaborator and
to the insurer's staff, whose accounts are managed in the admin."""

import pytest
from django.urls import reverse

from portal import accounts
from portal.models import AccountAudit, Area, Membership
from tests.access import assert_statuses, status_of

COVERED_URL_NAMES = {
    "signup", "signup_sent", "activation_resend", "account_activate", "invitation_accept", "account",
    "account_details", "account_email_confirm", "account_letterhead", "account_users", "account_user_new",
    "account_user", "account_user_deactivate", "account_user_reactivate", "account_user_resend",
    "account_profiles", "account_profile_new", "account_profile", "account_audit", "portfolio",
    "organisation_switch",
}
ROLES = ["anonymous", "admin_user", "collaborator", "other_admin", "accounting_user", "system_user"]
LOGIN, OK, DENIED, HIDDEN = {302}, {200}, {403}, {404}
pytestmark = pytest.mark.django_db


@pytest.fixture
def users(request, org, admin_user):
    return {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}


@pytest.fixture
def rows(org, admin_user, collaborator, delegate):
    """Rows of organisation « Un »: the collaborator's membership, a profile, an invited person."""
    profile = delegate(collaborator, [], areas=[Area.AMIABLE], name="Profil Un")
    invited = accounts.user_invite(organisation=org, by=admin_user, email="nouveau@un.test", first_name="Noé",
                                   last_name="Nouveau", role="collaborator")
    return {"membership": Membership.objects.get(user=collaborator), "profile": profile, "invited": invited}


def expected(anonymous, admin, collaborator, other_admin, staff):
    return {"anonymous": anonymous, "admin_user": admin, "collaborator": collaborator, "other_admin": other_admin,
            "accounting_user": staff, "system_user": staff}


PUBLIC = expected(OK, LOGIN, LOGIN, LOGIN, LOGIN)  # signed-in people go home
EVERYONE = expected(OK, OK, OK, OK, OK)
SIGNED_IN = expected(LOGIN, OK, OK, OK, OK)
INTERMEDIARIES = expected(LOGIN, OK, OK, OK, DENIED)
ADMINISTRATORS = expected(LOGIN, OK, DENIED, OK, DENIED)  # the other administrator: their own organisation
ROW_OF_UN = expected(LOGIN, OK, DENIED, HIDDEN, DENIED)
ROW_POST_OF_UN = expected(LOGIN, LOGIN, DENIED, HIDDEN, DENIED)  # a change redirects to the row's page

PAGES = [
    ("signup", "get", PUBLIC),
    ("signup_sent", "get", EVERYONE),
    ("activation_resend", "get", EVERYONE),
    ("account", "get", SIGNED_IN),
    ("account_details", "get", INTERMEDIARIES),
    ("account_letterhead", "get", INTERMEDIARIES),
    ("account_users", "get", ADMINISTRATORS),
    ("account_user_new", "get", ADMINISTRATORS),
    ("account_profiles", "get", ADMINISTRATORS),
    ("account_profile_new", "get", ADMINISTRATORS),
    ("account_audit", "get", ADMINISTRATORS),
    ("portfolio", "get", ADMINISTRATORS),
]


@pytest.mark.parametrize(("name", "method", "by_role"), PAGES)
def test_pages(users, client_for, name, method, by_role):
    url = reverse(name)
    assert_statuses((f"{method.upper()} {name} as {role}", status_of(client_for(user), method, url), by_role[role])
                    for role, user in users.items())


@pytest.mark.parametrize("name", ["account_activate", "invitation_accept", "account_email_confirm"])
def test_a_forged_personal_link_opens_for_nobody(users, client_for, admin_user, name):
    """The pages of personal links need no login (the link is the proof) but a valid token."""
    url = reverse(name, args=["MQ", "1-forge"])
    results = []
    for role, user in users.items():
        response = client_for(user).get(url)
        results.append((f"GET {name} as {role}", response.status_code, OK))
        assert "plus valable" in response.content.decode()
    assert_statuses(results)


ROWS = [
    ("account_user", "get", "membership", ROW_OF_UN),
    ("account_user", "post", "membership", expected(LOGIN, LOGIN, DENIED, HIDDEN, DENIED)),
    ("account_user_deactivate", "post", "invited", ROW_POST_OF_UN),
    ("account_user_reactivate", "post", "invited", ROW_POST_OF_UN),
    ("account_user_resend", "post", "invited", ROW_POST_OF_UN),
    ("account_profile", "get", "profile", ROW_OF_UN),
    ("account_profile", "post", "profile", expected(LOGIN, LOGIN, DENIED, HIDDEN, DENIED)),
]


@pytest.mark.parametrize(("name", "method", "row", "by_role"), ROWS)
def test_rows_of_one_organisation(users, rows, client_for, name, method, row, by_role):
    url = reverse(name, args=[rows[row].pk])
    data = {}
    if name == "account_user" and method == "post":
        data = {"role": "collaborator", "profiles": [rows["profile"].pk]}
    if name == "account_profile" and method == "post":
        data = {"name": "Profil Un", "areas": ["amiable"]}
    results = [(f"{method.upper()} {name} as {role}", status_of(client_for(user), method, url, data), by_role[role])
               for role, user in users.items()]
    assert_statuses(results)


def test_the_other_organisation_changes_nothing_of_un(users, rows, client_for, other_admin, org):
    """Whatever the other organisation's administrator posts, organisation « Un » is unchanged."""
    membership, profile = rows["membership"], rows["profile"]
    client = client_for(other_admin)
    before = AccountAudit.objects.filter(organisation=org).count()
    client.post(reverse("account_user_deactivate", args=[membership.pk]))
    client.post(reverse("account_user", args=[membership.pk]), {"role": "administrator"})
    client.post(reverse("account_profile", args=[profile.pk]), {"name": "Volé", "areas": ["billing"]})
    client.post(reverse("account_letterhead"), {"action": "add", "line": "Ligne de l'autre cabinet"})
    membership.refresh_from_db()
    profile.refresh_from_db()
    org.refresh_from_db()
    assert membership.is_active and membership.role == "collaborator"
    assert profile.name == "Profil Un" and not profile.area_billing
    assert "Ligne de l'autre cabinet" not in org.letter_header
    assert AccountAudit.objects.filter(organisation=org).count() == before


def test_letterhead_changes_are_for_administrators(users, client_for):
    data = {"action": "add", "line": "www.exemple.fr"}
    by_role = expected(LOGIN, LOGIN, DENIED, LOGIN, DENIED)  # administrators are sent back to the page
    assert_statuses((f"POST letterhead as {role}", status_of(client_for(user), "post", reverse("account_letterhead"),
                                                               data), by_role[role])
                    for role, user in users.items())


def test_organisation_switch(users, client_for, admin_user, other_org, rows):
    """A person switches to one of their own active memberships, never to someone else's."""
    second = accounts.membership_add(user=admin_user, organisation=other_org, role="collaborator", by=None)
    foreign = rows["invited"].pk  # nobody's here but the invited person's
    own = {"admin_user": second.pk, "collaborator": rows["membership"].pk,
           "other_admin": Membership.objects.get(user=users["other_admin"]).pk}
    results = []
    for role, user in users.items():
        client = client_for(user)
        results.append((f"switch to someone else's membership as {role}",
                        status_of(client, "post", reverse("organisation_switch"), {"membership": foreign}),
                        LOGIN if user is None else DENIED))
        if role in own:
            results.append((f"switch to own as {role}",
                            status_of(client, "post", reverse("organisation_switch"), {"membership": own[role]}),
                            LOGIN))
        results.append((f"GET switch as {role}", status_of(client, "get", reverse("organisation_switch")), {405}))
    assert_statuses(results)
