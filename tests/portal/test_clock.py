"""The business date (SPEC §3): ``PORTAL_TODAY`` read at each call, checked by ``check``."""

import json
import os
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from portal import clock
from tests.production import PRODUCTION, REAL_PROVIDERS

PARIS = ZoneInfo("Europe/Paris")


def test_portal_today_overrides_the_date_and_is_read_at_each_call(set_today):
    set_today("2026-05-04")
    assert clock.business_today() == date(2026, 5, 4)
    set_today("2027-01-15")
    assert clock.business_today() == date(2027, 1, 15)
    now = clock.local_now()
    assert now.date() == date(2027, 1, 15)
    assert now.utcoffset() == datetime(2027, 1, 15, 12, tzinfo=PARIS).utcoffset()


def test_without_override_the_date_is_today_in_paris(monkeypatch):
    monkeypatch.delenv("PORTAL_TODAY")
    monkeypatch.delenv("PORTAL_NOW")
    before = timezone.now().astimezone(PARIS).date()
    today = clock.business_today()
    after = timezone.now().astimezone(PARIS).date()
    assert today in {before, after}
    assert clock.local_now().tzinfo is not None
    assert clock.local_now().date() in {before, after}


def test_local_now_keeps_the_summer_offset_of_the_forced_date(set_today):
    set_today("2026-07-14")
    assert clock.local_now().utcoffset().total_seconds() == 2 * 3600


@pytest.mark.parametrize("value", ["02/03/2026", "2026-02-30", "demain"])
def test_an_invalid_value_is_a_clear_french_error(set_today, value):
    set_today(value)
    with pytest.raises(clock.ClockConfigurationError) as error:
        clock.business_today()
    assert "PORTAL_TODAY doit être une date au format AAAA-MM-JJ" in str(error.value)
    assert repr(value) in str(error.value)


def test_business_calendar_follows_the_subdivision_setting(settings):
    good_friday = date(2026, 4, 3)
    assert clock.business_calendar().is_business_day(good_friday)
    settings.PORTAL_HOLIDAY_SUBDIVISION = "57"
    assert not clock.business_calendar().is_business_day(good_friday)
    saint_stephen = date(2025, 12, 26)  # a Friday
    settings.PORTAL_HOLIDAY_SUBDIVISION = ""
    assert clock.business_calendar().is_business_day(saint_stephen)
    settings.PORTAL_HOLIDAY_SUBDIVISION = "68"  # a département number, mapped to Alsace
    assert not clock.business_calendar().is_business_day(saint_stephen)


def test_at_local_time_is_aware_in_paris():
    moment = clock.at_local_time(date(2026, 3, 2), datetime.min.time().replace(hour=7))
    assert moment.tzinfo is not None
    assert moment.astimezone(ZoneInfo("UTC")).hour == 6


# ----------------------------------------------------------------- manage.py check --deploy


def manage(*args: str, settings_module: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is theirs, not production's.
    hidden = ("PORTAL_TODAY", "PORTAL_NOW", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {key: value for key, value in os.environ.items() if key not in hidden}
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )




def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    settings_module="portal.settings.production", **PRODUCTION, **REAL_PROVIDERS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_sandbox_providers_and_warns_when_the_clock_is_forced():
    """Production settings with the defaults (sandboxes, no secrets) and a forced clock."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", settings_module="portal.settings.production",
                    PORTAL_TODAY="2026-03-02", PORTAL_NOW="2026-03-02T19:59", PORTAL_SANDBOX_PROVIDERS="true",
                    **PRODUCTION)
    output = result.stderr + result.stdout
    assert result.returncode != 0
    for setting in ("BILLING_PAYMENT_PROVIDER", "RESILIATION_SIGNATURE_PROVIDER", "RESILIATION_REGISTERED_MAIL_PROVIDER",
                    "RESILIATION_IDENTITY_PROVIDER", "COURRIER_POSTAL_PROVIDER"):
        assert f"{setting}=sandbox : le bac à sable" in output and f"HINT: Configurez le prestataire réel : {setting}=http" in output
    assert output.count("billing.E002") == 1 and output.count("resiliation.E002") == 3
    assert output.count("courrier.E002") == 1
    assert "billing.E004" in output and "BILLING_PAYMENT_SECRET manque" in output
    assert "resiliation.E004" in output and "RESILIATION_WEBHOOK_SECRET manque" in output
    assert "courrier.E004" in output and "COURRIER_WEBHOOK_SECRET manque" in output
    assert "portal.E002" not in output  # PORTAL_SANDBOX_PROVIDERS is not read from the environment in production
    assert "portal.W001" in output
    assert "PORTAL_TODAY force la date métier au 02/03/2026" in output
    assert "PORTAL_NOW force le moment métier au 02/03/2026 à 19:59" in output


PRODUCTION_RUNTIME = """
import json
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from billing.payments import payment_provider
from courrier.providers import postal_provider
from portal.providers import sandboxes_allowed
from resiliation.providers import identity_provider, registered_mail_provider, signature_provider

def routed(path):
    try:
        resolve(path)
        return True
    except Resolver404:
        return False

def named(name, *args):
    try:
        reverse(name, args=args)
        return True
    except NoReverseMatch:
        return False

print(json.dumps({
    "sandboxes_allowed": sandboxes_allowed(),
    "routed": [routed(p) for p in ("/facturation/paiement/bac-a-sable/tok/", "/resiliations/1/bac-a-sable/lre/",
                                   "/resiliations/signature/tok/", "/resiliations/signature/tok/mandat.pdf",
                                   "/courriers/bac-a-sable/1/")],
    "named": [named("billing:sandbox_payment", "t"), named("resiliation:sandbox_mail", 1),
              named("resiliation:sign", "t"), named("resiliation:sign_document", "t"),
              named("courrier:sandbox:console", 1)],
    "doors": [routed("/facturation/paiement/notification/"), routed("/resiliations/webhooks/identity/"),
              routed("/resiliations/identite/verification/"), routed("/courriers/webhooks/http/")],
    "providers": [type(p).__name__ for p in (payment_provider(), signature_provider(), registered_mail_provider(),
                                             identity_provider(), postal_provider())],
}))
"""


def test_production_routes_no_sandbox_page_and_runs_the_real_providers():
    result = manage("shell", "-c", PRODUCTION_RUNTIME, settings_module="portal.settings.production",
                    PORTAL_SANDBOX_PROVIDERS="true", **PRODUCTION, **REAL_PROVIDERS)
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {
        "sandboxes_allowed": False, "routed": [False] * 5, "named": [False] * 5, "doors": [True] * 4,
        "providers": ["HttpProvider", "HttpSignatureProvider", "HttpRegisteredMailProvider", "HttpIdentityProvider",
                      "HttpPostalProvider"],
    }


def test_every_command_refuses_an_invalid_portal_today():
    result = manage("check", settings_module="portal.settings.dev", PORTAL_TODAY="lundi")
    assert result.returncode != 0
    assert "portal.E001" in result.stderr
    assert "PORTAL_TODAY doit être une date au format AAAA-MM-JJ" in result.stderr


@pytest.mark.parametrize("secret", [None, ""])
def test_production_settings_require_a_secret_key(secret):
    extra = {} if secret is None else {"SECRET_KEY": secret}
    result = manage("check", settings_module="portal.settings.production", ALLOWED_HOSTS="portail.example.fr",
                    **extra)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# ------------------------------------------------------------------------------ PORTAL_NOW


def test_portal_now_overrides_date_and_time_of_day(monkeypatch):
    monkeypatch.delenv("PORTAL_TODAY")
    monkeypatch.setenv("PORTAL_NOW", "2026-12-31T23:59")
    now = clock.local_now()
    assert (now.date(), now.hour, now.minute) == (date(2026, 12, 31), 23, 59)
    assert now.utcoffset().total_seconds() == 3600
    assert clock.business_today() == date(2026, 12, 31)
    monkeypatch.setenv("PORTAL_NOW", "2026-07-01T10:29")  # read at each call, summer offset
    assert clock.local_now() == datetime(2026, 7, 1, 10, 29, tzinfo=PARIS)


def test_portal_today_moves_the_date_of_portal_now_and_keeps_its_time(monkeypatch):
    monkeypatch.setenv("PORTAL_NOW", "2026-03-02T19:59")
    monkeypatch.setenv("PORTAL_TODAY", "2026-07-14")
    assert clock.local_now() == datetime(2026, 7, 14, 19, 59, tzinfo=PARIS)
    assert clock.business_today() == date(2026, 7, 14)


@pytest.mark.parametrize("value", ["2026-03-02", "2026-03-02 25:00", "ce soir"])
def test_an_invalid_portal_now_is_a_clear_french_error(monkeypatch, value):
    monkeypatch.setenv("PORTAL_NOW", value)
    with pytest.raises(clock.ClockConfigurationError) as error:
        clock.local_now()
    assert "PORTAL_NOW doit être une date et une heure au format AAAA-MM-JJTHH:MM" in str(error.value)
