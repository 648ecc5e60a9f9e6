"""The demo command registered for ``seed_demo``: history imported through the services, the
collaborator's area, news, figures refreshed; idempotent; refused without PORTAL_DEMO_DATA."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from activity.models import MonthlyFigure, Snapshot
from portal import navigation, services
from portal.models import DelegationProfile, NewsItem, PremiumCall, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_organisation(org, calls, products):
    services.user_create(email="collab@demo.test", password="x-demo-password", role=Role.COLLABORATOR,
                         organisation=org)
    calls(broker=org, policy_number="D-1", member_number="DM-1", company_name="DÉMO SARL",
          product="pyramide_artisan", dues=[(date(2026, 2, 2), "400.00", "400.00")])
    return org


def test_the_demo_fills_the_page_and_runs_twice(demo_organisation):
    assert "activity_demo" in navigation.demo_commands()
    call_command("activity_demo")
    assert PremiumCall.objects.filter(reference__startswith="HIST-D-1-").count() == 7
    assert MonthlyFigure.objects.filter(broker=demo_organisation, member__isnull=True).count() >= 8
    assert Snapshot.objects.count() == 1
    assert DelegationProfile.objects.get(name="Suivi d'activité Isère").area_activity
    assert NewsItem.objects.count() == 2
    call_command("activity_demo")
    assert PremiumCall.objects.filter(reference__startswith="HIST-").count() == 7
    assert NewsItem.objects.count() == 2 and DelegationProfile.objects.filter(name__startswith="Suivi").count() == 1


def test_refused_without_demo_data(settings):
    settings.PORTAL_DEMO_DATA = False
    with pytest.raises(CommandError, match="Données de démonstration refusées"):
        call_command("activity_demo")
