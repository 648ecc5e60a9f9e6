"""Every certificates URL × every role × another organisation (SPEC §2), with the exact answer.

An administrator certifies the organisation's clients; a collaborator with the « attestations »
area the clients delegated to them; a collaborator without the area and accounting staff get
403; another organisation's administrator and a collaborator outside the delegation see no row
(404 on one, a form error on issuing). The public verification page needs no login and answers
everyone the same.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.models import Certificate
from tests.access import assert_statuses
from tests.certificates.conftest import code_of

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {"certificates:list", "certificates:new", "certificates:download", "certificates:verify_form",
                     "certificates:verify"}
ROLES = ["anonymous", "admin_user", "certificates_collaborator", "amiable_collaborator", "outside_collaborator",
         "other_admin", "accounting_user"]
LOGIN = "/compte/connexion/?next="


@pytest.fixture
def people(request, certificates_collaborator, amiable_collaborator, outside_collaborator, admin_user, other_admin,
           accounting_user):
    return {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}


def answer(client, method, url, data=None):
    response = getattr(client, method)(url, data or {})
    if response.status_code == 302 and response["Location"].startswith(LOGIN):
        return "login"
    return response.status_code


def matrix(people, client_for, method, url, data, expected):
    assert_statuses((role, answer(client_for(people[role]), method, url, data() if callable(data) else data),
                     {expected[role]}) for role in ROLES)


def test_the_list(people, client_for, issue, admin_user, policy):
    issue(admin_user, policy)
    matrix(people, client_for, "get", reverse("certificates:list"), {}, {
        "anonymous": "login", "admin_user": 200, "certificates_collaborator": 200, "amiable_collaborator": 403,
        "outside_collaborator": 200, "other_admin": 200, "accounting_user": 403,
    })
    for role, sees in (("admin_user", True), ("certificates_collaborator", True), ("outside_collaborator", False),
                       ("other_admin", False)):
        page = client_for(people[role]).get(reverse("certificates:list")).content.decode()
        assert ("MENUISERIE DUPOND" in page) is sees, role


def test_the_new_certificate_page(people, client_for, policy):
    matrix(people, client_for, "get", reverse("certificates:new"), {"client": policy.member_id}, {
        "anonymous": "login", "admin_user": 200, "certificates_collaborator": 200, "amiable_collaborator": 403,
        "outside_collaborator": 200, "other_admin": 200, "accounting_user": 403,
    })
    for role, sees in (("admin_user", True), ("certificates_collaborator", True), ("outside_collaborator", False),
                       ("other_admin", False)):
        page = client_for(people[role]).get(reverse("certificates:new"), {"client": policy.member_id}).content.decode()
        assert ("Police P-1" in page) is sees, role


def test_issuing(people, client_for, policy):
    data = {"policy": policy.id, "period_start": "2026-03-02", "period_end": "2026-12-31"}
    matrix(people, client_for, "post", f"{reverse('certificates:new')}?client={policy.member_id}", data, {
        "anonymous": "login", "admin_user": 302, "certificates_collaborator": 302, "amiable_collaborator": 403,
        "outside_collaborator": 400, "other_admin": 400, "accounting_user": 403,
    })
    assert set(Certificate.objects.values_list("issued_by__email", flat=True)) == {"admin@un.test", "collab@un.test"}


def test_the_download(people, client_for, issue, admin_user, certificates_collaborator, policy):
    for issuer in (admin_user, certificates_collaborator):  # a collaborator downloads their administrator's too
        url = reverse("certificates:download", args=[issue(issuer, policy).id])
        matrix(people, client_for, "get", url, {}, {
            "anonymous": "login", "admin_user": 200, "certificates_collaborator": 200, "amiable_collaborator": 403,
            "outside_collaborator": 404, "other_admin": 404, "accounting_user": 403,
        })


def test_the_public_page_answers_everyone_the_same(people, client_for, issue, admin_user, policy):
    code = code_of(issue(admin_user, policy))
    everyone = dict.fromkeys(ROLES, 200)
    cache.clear()
    matrix(people, client_for, "get", reverse("certificates:verify", args=[code]), {}, everyone)
    matrix(people, client_for, "get", reverse("certificates:verify_form"), {}, everyone)
    matrix(people, client_for, "get", reverse("certificates:verify", args=["ABCD-EFGH-JKMN-PQRS"]), {},
           dict.fromkeys(ROLES, 404))
