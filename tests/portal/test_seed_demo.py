"""``seed_demo`` (SPEC §8): demo logins and a portfolio that looks real, idempotent."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F, Max, Min
from rest_framework.authtoken.models import Token

from portal.models import Member, Organisation, Payment, Policy, PremiumCall, Role, User
from portal.selectors import policies_visible_to, user_areas

pytestmark = pytest.mark.django_db


def counts():
    return tuple(model.objects.count() for model in (Organisation, User, Member, Policy, PremiumCall, Payment))


def test_seed_demo_creates_the_demo_logins_and_data_and_is_idempotent(rf, set_today):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Données de démonstration prêtes au 02/03/2026." in out.getvalue()
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first

    roles = {"courtier@demo.test": Role.ADMINISTRATOR, "collab@demo.test": Role.COLLABORATOR,
             "compta@demo.test": Role.ACCOUNTING, "agent@demo.test": Role.ADMINISTRATOR}
    for email, role in roles.items():
        user = authenticate(rf.post("/compte/connexion/"), username=email, password="demo")
        assert user is not None and user.role == role, email
    courtier = User.objects.get(email="courtier@demo.test")
    agent = User.objects.get(email="agent@demo.test")
    assert courtier.organisation.orias == "07000001" and agent.organisation.orias != "07000001"
    compta = User.objects.get(email="compta@demo.test")
    assert compta.is_staff and compta.may_push_core_data and Token.objects.filter(user=compta).exists()

    organisations, _, members, policies, calls, payments = first
    assert organisations >= 3 and policies >= 200 and members >= 100
    span = PremiumCall.objects.aggregate(first=Min("due_date"), last=Max("due_date"))
    assert span["last"] - span["first"] >= timedelta(days=55)
    assert 0 < payments < calls
    assert PremiumCall.objects.filter(paid_amount=F("amount")).exists()
    assert PremiumCall.objects.filter(paid_amount__gt=0, paid_amount__lt=F("amount")).exists()
    assert PremiumCall.objects.filter(paid_amount=0).exists()

    collab = User.objects.get(email="collab@demo.test")
    delegated = policies_visible_to(user=collab).count()
    assert 0 < delegated < policies_visible_to(user=courtier).count()
    assert "amiable" in user_areas(user=collab)
