"""Every quote URL × every role × another organisation (SPEC §2): an administrator sees the
organisation's quotes, a collaborator with the « devis » area their own; without the area, staff
and the system: 403; another organisation's quote: 404."""

import pytest
from django.urls import reverse

from quotes.models import Quote
from tests.access import assert_statuses
from tests.quotes.conftest import GOOD

pytestmark = pytest.mark.django_db

COVERED_URL_NAMES = {"quotes:quotes", "quotes:new", "quotes:pdf"}


def test_every_url_for_every_role(client_for, admin_user, quotes_collaborator, plain, other_admin, accounting_user,
                                  system_user, issue, good):
    theirs, mine = issue(admin_user), issue(quotes_collaborator, prospect_name="Coiffure Léa")
    index, new = reverse("quotes:quotes"), reverse("quotes:new")
    pdf_theirs, pdf_mine = reverse("quotes:pdf", args=[theirs.pk]), reverse("quotes:pdf", args=[mine.pk])
    matrix = {
        # user: (list, form GET, form POST, PDF of the administrator's quote, PDF of the collaborator's)
        "administrateur du cabinet": (admin_user, 200, 200, 302, 200, 200),
        "collaborateur avec l'espace devis": (quotes_collaborator, 200, 200, 302, 404, 200),
        "collaborateur sans l'espace": (plain, 403, 403, 403, 403, 403),
        "administrateur d'un autre cabinet": (other_admin, 200, 200, 302, 404, 404),
        "comptabilité": (accounting_user, 403, 403, 403, 403, 403),
        "système": (system_user, 403, 403, 403, 403, 403),
        "anonyme": (None, 302, 302, 302, 302, 302),
    }
    results = []
    for label, (user, listed, form, post, pdf_of_theirs, pdf_of_mine) in matrix.items():
        client = client_for(user)
        results += [
            (f"{label} : liste", client.get(index).status_code, {listed}),
            (f"{label} : formulaire", client.get(new).status_code, {form}),
            (f"{label} : établir", client.post(new, good).status_code, {post}),
            (f"{label} : PDF du devis de l'administrateur", client.get(pdf_theirs).status_code, {pdf_of_theirs}),
            (f"{label} : PDF du devis du collaborateur", client.get(pdf_mine).status_code, {pdf_of_mine}),
            (f"{label} : POST sur la liste", client.post(index).status_code, {405}),  # the method first
        ]
    assert_statuses(results)
    # Three quotes issued by the three users allowed to: each in their organisation, by them.
    assert sorted(Quote.objects.filter(prospect_name=GOOD["prospect_name"]).values_list(
        "organisation__name", "created_by__email")) == sorted([
        ("Cabinet Un SARL", "admin@un.test"), ("Cabinet Un SARL", "collab@un.test"), ("Agence Deux", "admin@deux.test")])


def test_lists_show_only_the_rows_a_user_may_see(client_for, admin_user, quotes_collaborator, other_admin, issue):
    issue(admin_user, prospect_name="Alpha Administrateur")
    issue(quotes_collaborator, prospect_name="Bravo Collaborateur")
    issue(other_admin, prospect_name="Charlie Autre Cabinet")

    def names(user) -> set[str]:
        html = client_for(user).get(reverse("quotes:quotes")).content.decode()
        return {name for name in ("Alpha", "Bravo", "Charlie") if name in html}

    assert names(admin_user) == {"Alpha", "Bravo"}  # the organisation's quotes
    assert names(quotes_collaborator) == {"Bravo"}  # their own
    assert names(other_admin) == {"Charlie"}
