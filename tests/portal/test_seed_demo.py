"""``seed_demo`` (SPEC §8): demo logins and a portfolio that looks real, idempotent."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import F, Max, Min
from rest_framework.authtoken.models import Token

from portal.models import Member, Organisation, Payment, Policy, PremiumCall, Role, User
from portal.selectors import policies_visible_to, user_areas
from tests.production import REAL_PROVIDERS

pytestmark = pytest.mark.django_db


def counts():
    return tuple(model.objects.count() for model in (Organisation, User, Member, Policy, PremiumCall, Payment))


@pytest.mark.slow
def test_seed_demo_creates_the_demo_logins_and_data_and_is_idempotent_without_resetting_them(rf, set_today):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Données de démonstration prêtes au 02/03/2026." in out.getvalue()
    first = counts()
    roles = {"courtier@demo.test": Role.ADMINISTRATOR, "collab@demo.test": Role.COLLABORATOR,
             "compta@demo.test": Role.ACCOUNTING, "agent@demo.test": Role.ADMINISTRATOR}
    for email, role in roles.items():
        user = authenticate(rf.post("/compte/connexion/"), username=email, password="demo")
        assert user is not None and user.role == role, email
    # Someone changes the accounting password and deactivates a login: a rerun keeps both.
    compta = User.objects.get(email="compta@demo.test")
    compta.set_password("Un vrai mot de passe 2026")
    compta.save()
    User.objects.filter(email="agent@demo.test").update(is_active=False)

    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    request = rf.post("/compte/connexion/")
    assert authenticate(request, username="compta@demo.test", password="demo") is None
    assert authenticate(request, username="compta@demo.test", password="Un vrai mot de passe 2026") is not None
    assert not User.objects.get(email="agent@demo.test").is_active
    assert authenticate(request, username="courtier@demo.test", password="demo") is not None
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
    assert not policies_visible_to(user=collab).exclude(member__departement="38").exists()  # « par département »
    # courtier@demo.test works for two organisations (« Changer de compte entreprise »).
    assert sorted(courtier.memberships.values_list("organisation__orias", "role")) == [
        ("07000001", Role.ADMINISTRATOR), ("07000003", Role.COLLABORATOR)]


def test_seed_demo_is_refused_where_the_settings_do_not_allow_demo_data(settings):
    settings.PORTAL_DEMO_DATA = False
    out = StringIO()
    with pytest.raises(CommandError, match="Données de démonstration refusées avec ces réglages"):
        call_command("seed_demo", stdout=out)
    assert counts() == (0,) * 6 and out.getvalue() == ""
    assert not Token.objects.exists()


def test_seed_demo_is_refused_with_the_production_settings(tmp_path):
    """The real thing: ``manage.py seed_demo`` under portal.settings.production stops with a
    French error before touching the database (an empty file here)."""
    hidden = ("PORTAL_TODAY", "PORTAL_NOW", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {key: value for key, value in os.environ.items() if key not in hidden}
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings.production", SECRET_KEY=secrets.token_urlsafe(64),
                       ALLOWED_HOSTS="portail.example.fr", DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
                       **REAL_PROVIDERS)
    result = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=settings.BASE_DIR, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Données de démonstration refusées avec ces réglages (portal.settings.production)" in result.stderr
    assert "demo.test" not in result.stdout and "Jeton" not in result.stdout


@pytest.mark.parametrize("command", ["seed_demo", "amiable_demo", "billing_demo", "resiliation_demo"])
def test_every_demo_command_is_refused_where_demo_data_is_not_allowed(settings, command):
    settings.PORTAL_DEMO_DATA = False
    with pytest.raises(CommandError, match="Données de démonstration refusées avec ces réglages"):
        call_command(command, stdout=StringIO())
    assert counts() == (0,) * 6
    assert not User.objects.exists()
