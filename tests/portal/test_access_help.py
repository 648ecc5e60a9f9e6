"""Access matrix of the help pages and the footer's pages: every URL × every role × another
organisation (SPEC §2)."""

from __future__ import annotations

import pytest

from portal import help
from portal.models import HelpAttachment, HelpStatus, HelpSubject
from tests.access import assert_statuses
from tests.portal import help_data

COVERED_URL_NAMES = {"help_request_new", "help_requests", "help_request", "help_attachment", "faq", "site_page"}
ROLES = ["anonymous", "admin_user", "collaborator", "other_admin", "accounting_user", "system_user"]
FOOTER_SLUGS = ["documentation", "demos", "conditions-utilisation", "confidentialite", "mentions-legales"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def users(request, org):
    return {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}


@pytest.fixture
def requests_(admin_user, collaborator, accounting_user):
    """A request of the administrator and one of the collaborator, each with a file; an answer."""
    made = {}
    for key, user in (("admin", admin_user), ("collab", collaborator)):
        made[key] = help.help_request_create(by=user, subject=HelpSubject.OTHER, message=f"Demande {key}",
                                             attachments=[help_data.pdf(f"{key}.pdf")])
    help.help_request_answer(help_request=made["admin"], by=accounting_user, status=HelpStatus.AWAITING_USER,
                             message="Un justificatif ?")
    return made


def by_role(**expected) -> dict[str, set[int]]:
    """Expected statuses: anonymous → login, staff → the admin's queue, the system → 403 unless said."""
    return {"anonymous": {302}, "accounting_user": {302}, "system_user": {403}, **expected}


def attachment_of(help_request) -> HelpAttachment:
    return HelpAttachment.objects.get(message__help_request=help_request)


def test_help_pages(users, client_for, requests_):
    admin_request, collab_request = requests_["admin"], requests_["collab"]
    pages = [
        ("/aide/demande/", by_role(admin_user={200}, collaborator={200}, other_admin={200})),
        ("/aide/demandes/", by_role(admin_user={200}, collaborator={200}, other_admin={200})),
        (f"/aide/demandes/{admin_request.file_number}/",
         by_role(admin_user={200}, collaborator={404}, other_admin={404})),
        (f"/aide/demandes/{collab_request.file_number}/",
         by_role(admin_user={200}, collaborator={200}, other_admin={404})),
        (f"/aide/demandes/{admin_request.file_number}/pieces/{attachment_of(admin_request).pk}/",
         by_role(admin_user={200}, collaborator={404}, other_admin={404})),
        (f"/aide/demandes/{collab_request.file_number}/pieces/{attachment_of(collab_request).pk}/",
         by_role(admin_user={200}, collaborator={200}, other_admin={404})),
        # a file reached through another request's number
        (f"/aide/demandes/{collab_request.file_number}/pieces/{attachment_of(admin_request).pk}/",
         by_role(admin_user={404}, collaborator={404}, other_admin={404})),
        ("/aide/demandes/1234567/", by_role(admin_user={404}, collaborator={404}, other_admin={404})),
    ]
    results = []
    for url, expected in pages:
        for role, user in users.items():
            results.append((f"GET {url} as {role}", client_for(user).get(url).status_code, expected[role]))
    assert_statuses(results)


def test_staff_are_sent_to_the_admin_queue_and_visitors_to_the_login(users, client_for):
    staff = client_for(users["accounting_user"]).get("/aide/demandes/")
    assert staff["Location"] == "/admin/portal/helprequest/"
    visitor = client_for(None).get("/aide/demande/?sujet=compte")
    assert visitor["Location"] == "/compte/connexion/?next=/aide/demande/%3Fsujet%3Dcompte"


def test_replies_to_a_request_one_may_not_see_are_404_and_change_nothing(users, client_for, requests_):
    admin_request = requests_["admin"]
    results = []
    for role in ("collaborator", "other_admin"):
        response = client_for(users[role]).post(f"/aide/demandes/{admin_request.file_number}/",
                                                {"message": "Intrusion"})
        results.append((f"POST reply as {role}", response.status_code, {404}))
    assert_statuses(results)
    admin_request.refresh_from_db()
    assert admin_request.status == HelpStatus.AWAITING_USER
    assert not admin_request.messages.filter(body="Intrusion").exists()


def test_new_requests_posted_by_anyone_but_brokers_users_are_refused(users, client_for):
    results = []
    for role, user in users.items():
        response = client_for(user).post("/aide/demande/", {"subject": "autre", "message": "Bonjour"})
        expected = {302} if role in ("admin_user", "collaborator", "other_admin") else by_role()[role]
        results.append((f"POST new as {role}", response.status_code, expected))
    assert_statuses(results)
    from portal.models import HelpRequest

    assert HelpRequest.objects.count() == 3  # one per broker's user, none for the others


def test_the_footer_pages_are_public(users, client_for):
    results = []
    for url in ["/aide/questions-frequentes/", *(f"/pages/{slug}/" for slug in FOOTER_SLUGS)]:
        for role, user in users.items():
            results.append((f"GET {url} as {role}", client_for(user).get(url).status_code, {200}))
    for role, user in users.items():
        results.append((f"GET unknown page as {role}", client_for(user).get("/pages/inconnue/").status_code, {404}))
    assert_statuses(results)
