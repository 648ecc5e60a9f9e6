"""Every library URL × every role × another organisation (SPEC §2): the library is the
insurer's, the same for every broker's user (administrator, collaborator with or without a
delegation profile, another organisation's); staff and the insurer's system use the admin (403);
a version not in effect yet is served to nobody (404)."""

import pytest
from django.urls import reverse

from portal import services as portal_services
from portal.models import Area, Role
from tests.access import assert_statuses

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {"library:documents", "library:download"}


@pytest.fixture
def plain(admin_user):
    """A collaborator with no delegation profile at all: the library is still theirs."""
    return portal_services.user_create(email="plain@un.test", password="x" * 12, role=Role.COLLABORATOR,
                                       organisation=admin_user.organisation)


def test_access_for_every_role(library, client_for, admin_user, collaborator, plain, delegate, other_admin,
                               accounting_user, system_user):
    delegate(collaborator, [], areas=(Area.QUOTES,), name="Devis")
    index = reverse("library:documents")
    current = reverse("library:download", args=[library["current"].pk])
    old = reverse("library:download", args=[library["old"].pk])
    future = reverse("library:download", args=[library["future"].pk])
    unknown = reverse("library:download", args=[999999])
    results = []
    for label, user in (("administrateur", admin_user), ("collaborateur délégué", collaborator),
                        ("collaborateur sans profil", plain), ("administrateur d'un autre cabinet", other_admin)):
        client = client_for(user)
        results += [(f"{label} : liste", client.get(index).status_code, {200}),
                    (f"{label} : version en vigueur", client.get(current).status_code, {200}),
                    (f"{label} : version précédente", client.get(old).status_code, {200}),
                    (f"{label} : version à venir", client.get(future).status_code, {404}),
                    (f"{label} : inconnu", client.get(unknown).status_code, {404}),
                    (f"{label} : POST", client.post(index).status_code, {405})]
    for label, user in (("comptabilité", accounting_user), ("système", system_user)):
        client = client_for(user)
        results += [(f"{label} : liste", client.get(index).status_code, {403}),
                    (f"{label} : version en vigueur", client.get(current).status_code, {403})]
    anonymous = client_for(None)
    for url in (index, current):
        response = anonymous.get(url)
        results.append((f"anonyme {url}", response.status_code, {302}))
        assert response["Location"].startswith("/compte/connexion/?next=")
    assert_statuses(results)
