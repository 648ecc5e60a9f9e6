"""« Nouveautés » (issue 13 §6): every signed-in user reads the current news; anonymous visitors
are sent to the login page."""

from datetime import date

import pytest
from django.urls import reverse

from portal.models import NewsItem
from tests.access import assert_statuses

pytestmark = pytest.mark.django_db
COVERED_URL_NAMES = {"news"}


@pytest.fixture
def news_item(db):
    return NewsItem.objects.create(title="Nouveau : suivez votre activité", body="Texte",
                                   starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 31))


def test_access(news_item, request, client_for, admin_user, collaborator, other_admin, accounting_user):
    url = reverse("news")
    results = [(who, client_for(request.getfixturevalue(who)).get(url).status_code, {200})
               for who in ("admin_user", "collaborator", "other_admin", "accounting_user")]
    anonymous = client_for(None).get(url)
    results.append(("anonyme", anonymous.status_code, {302}))
    assert_statuses(results)
    assert anonymous["Location"] == f"/compte/connexion/?next={url}"


