"""« Découvrez les nouveautés de votre espace » (issue 13 §6): news items written by staff in the
admin, shown on the home page and the news page from their start date to their end date
included, by the business date (SPEC §3)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.models import NewsItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def news_item(db):
    return NewsItem.objects.create(title="Nouveau : suivez votre activité", body="Les **graphiques** arrivent.",
                                   starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 31))


@pytest.mark.parametrize(("today", "shown"), [
    ("2026-03-01", False),  # the eve of its start date
    ("2026-03-02", True),  # its start date
    ("2026-03-31", True),  # its end date, included
    ("2026-04-01", False),  # the day after
])
def test_shown_from_the_start_date_to_the_end_date_included(news_item, set_today, client_for, admin_user, today,
                                                            shown):
    set_today(today)
    client = client_for(admin_user)
    home = client.get("/").content.decode()
    page = client.get(reverse("news")).content.decode()
    assert ("Nouveau : suivez votre activité" in home) is shown
    assert ("Découvrez les nouveautés de votre espace !" in home) is shown
    assert ("<strong>graphiques</strong>" in page) is shown
    if not shown:
        assert "Aucune nouveauté pour le moment." in page


def test_an_unpublished_item_is_never_shown(news_item, client_for, admin_user):
    news_item.is_published = False
    news_item.save()
    assert "suivez votre activité" not in client_for(admin_user).get(reverse("news")).content.decode()


def test_the_home_shows_the_three_latest_and_links_to_all(client_for, admin_user):
    for day in range(1, 6):
        NewsItem.objects.create(title=f"Nouveauté {day}", body="Texte", starts_on=date(2026, 2, day),
                                ends_on=date(2026, 3, 10))
    home = client_for(admin_user).get("/").content.decode()
    assert [title for title in ("Nouveauté 5", "Nouveauté 4", "Nouveauté 3", "Nouveauté 2") if title in home] == [
        "Nouveauté 5", "Nouveauté 4", "Nouveauté 3"]
    assert 'href="/nouveautes/">Toutes les nouveautés (et plus)</a>' in home
    page = client_for(admin_user).get(reverse("news")).content.decode()
    assert all(f"Nouveauté {day}" in page for day in range(1, 6))


def test_the_body_is_markdown_without_html(client_for, admin_user):
    NewsItem.objects.create(title="Sécurité", body="<script>alert(1)</script> [lien](https://auxiliaire.test)",
                            starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 2))
    page = client_for(admin_user).get(reverse("news")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'href="https://auxiliaire.test"' in page


def test_an_end_before_the_start_is_refused(db):
    item = NewsItem(title="À l'envers", body="x", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 1))
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert error.value.message_dict["ends_on"] == ["La date de fin précède la date de début."]
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_accounting_clerks_add_and_change_news_in_the_admin(client_for, accounting_user, news_item):
    client = client_for(accounting_user)
    assert client.get(reverse("admin:portal_newsitem_changelist")).status_code == 200
    response = client.post(reverse("admin:portal_newsitem_add"), {
        "title": "Commissions", "body": "Vos relevés mensuels.", "starts_on": "02/03/2026", "ends_on": "01/03/2026",
        "is_published": "on"})
    assert response.status_code == 200 and "La date de fin précède la date de début." in response.content.decode()
    response = client.post(reverse("admin:portal_newsitem_add"), {
        "title": "Commissions", "body": "Vos relevés mensuels.", "starts_on": "02/03/2026", "ends_on": "31/03/2026",
        "is_published": "on"})
    assert response.status_code == 302 and NewsItem.objects.filter(title="Commissions").exists()


def test_the_home_query_count_does_not_grow_with_news(client_for, admin_user):
    client = client_for(admin_user)
    NewsItem.objects.create(title="Une", body="x", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 9))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for day in range(2, 12):
        NewsItem.objects.create(title=f"N{day}", body="x", starts_on=date(2026, 2, day), ends_on=date(2026, 3, 9))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(one) == len(many)
