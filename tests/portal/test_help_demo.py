"""``seed_demo`` adds a few help requests in each status, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from portal.models import HelpRequest, HelpStatus

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_seed_demo_adds_help_requests_in_each_status_once():
    call_command("seed_demo", stdout=StringIO())
    statuses = set(HelpRequest.objects.filter(organisation__orias="07000001").values_list("status", flat=True))
    assert statuses == set(HelpStatus.values)
    assert HelpRequest.objects.filter(organisation__orias="07000002").exists()
    count = HelpRequest.objects.count()
    call_command("help_demo", stdout=StringIO())
    assert HelpRequest.objects.count() == count


def test_help_demo_is_refused_where_demo_data_is_not_allowed(settings):
    from django.core.management.base import CommandError

    settings.PORTAL_DEMO_DATA = False
    with pytest.raises(CommandError, match="Données de démonstration refusées avec ces réglages"):
        call_command("help_demo", stdout=StringIO())
    assert not HelpRequest.objects.exists()
