"""Sandboxes and real providers: the checks of their settings, the routes of the sandboxes'
pages, and the provider gateway's client (portal/providers.py). The production settings
themselves are checked in a subprocess by tests/portal/test_clock.py."""

from __future__ import annotations

import pytest
from django.core import checks
from django.urls import NoReverseMatch, reverse

from billing.checks import payment_provider_configured
from courrier.checks import postal_provider_configured
from portal.checks import sandboxes_are_not_allowed
from resiliation.checks import resiliation_providers_configured
from tests.sandboxes import sandboxes_not_allowed

PROVIDER_PREFIXES = ("BILLING_PAYMENT", "RESILIATION_SIGNATURE", "RESILIATION_REGISTERED_MAIL",
                     "RESILIATION_IDENTITY", "COURRIER_POSTAL")


def ids(messages) -> list[str]:
    return sorted(message.id for message in messages)


def real_providers(settings) -> None:
    for prefix in PROVIDER_PREFIXES:
        setattr(settings, f"{prefix}_PROVIDER", "http")
        setattr(settings, f"{prefix}_API_URL", f"https://{prefix.lower()}.example.fr/v1")
        setattr(settings, f"{prefix}_API_KEY", "key")
    settings.BILLING_PAYMENT_SECRET = "p" * 32
    settings.RESILIATION_WEBHOOK_SECRET = "w" * 32
    settings.COURRIER_WEBHOOK_SECRET = "c" * 32


def all_checks():
    return (payment_provider_configured(None) + resiliation_providers_configured(None)
            + postal_provider_configured(None))


def test_sandbox_providers_are_errors_where_sandboxes_are_not_allowed(settings):
    settings.PORTAL_SANDBOX_PROVIDERS = False
    settings.BILLING_PAYMENT_SECRET = settings.RESILIATION_WEBHOOK_SECRET = settings.COURRIER_WEBHOOK_SECRET = ""
    errors = all_checks()
    assert all(error.level == checks.ERROR for error in errors)
    assert ids(errors) == ["billing.E002", "billing.E004", "courrier.E002", "courrier.E004", "resiliation.E002",
                           "resiliation.E002", "resiliation.E002", "resiliation.E004"]
    payment = next(error for error in errors if error.id == "billing.E002")
    assert payment.msg == ("BILLING_PAYMENT_PROVIDER=sandbox : le bac à sable de paiement (n'importe quel numéro de "
                           "carte y achète des crédits) est refusé par ces réglages (production).")
    assert payment.hint == ("Configurez le prestataire réel : BILLING_PAYMENT_PROVIDER=http, "
                            "BILLING_PAYMENT_API_URL=https://… et BILLING_PAYMENT_API_KEY=….")
    secret = next(error for error in errors if error.id == "resiliation.E004")
    assert secret.msg.startswith("RESILIATION_WEBHOOK_SECRET manque ou compte moins de 32 caractères")
    postal = next(error for error in errors if error.id == "courrier.E002")
    assert postal.msg.startswith("COURRIER_POSTAL_PROVIDER=sandbox : le bac à sable postal")
    assert postal.hint == ("Configurez le prestataire réel : COURRIER_POSTAL_PROVIDER=http, "
                           "COURRIER_POSTAL_API_URL=https://… et COURRIER_POSTAL_API_KEY=….")
    postal_secret = next(error for error in errors if error.id == "courrier.E004")
    assert postal_secret.msg == ("COURRIER_WEBHOOK_SECRET manque ou compte moins de 32 caractères : les webhooks du "
                                 "prestataire postal ne peuvent pas être authentifiés.")


def test_real_providers_configured_pass(settings):
    settings.PORTAL_SANDBOX_PROVIDERS = False
    real_providers(settings)
    assert all_checks() == []


def test_an_incomplete_real_provider_is_an_error(settings):
    settings.PORTAL_SANDBOX_PROVIDERS = False
    real_providers(settings)
    settings.RESILIATION_IDENTITY_API_URL = "http://identite.example.fr/v1"  # not https in production
    settings.RESILIATION_SIGNATURE_API_KEY = ""
    settings.BILLING_PAYMENT_PROVIDER = "carte-bleue"
    settings.BILLING_PAYMENT_SECRET = "short"
    settings.COURRIER_POSTAL_API_URL = "ftp://poste.example.fr"
    settings.COURRIER_POSTAL_API_KEY = ""
    settings.COURRIER_WEBHOOK_SECRET = "c" * 31
    errors = all_checks()
    assert ids(errors) == ["billing.E001", "billing.E004", "courrier.E003", "courrier.E003", "courrier.E004",
                           "resiliation.E003", "resiliation.E003"]
    messages = " ".join(error.msg for error in errors)
    assert "BILLING_PAYMENT_PROVIDER : prestataire inconnu « carte-bleue »." in messages
    assert "RESILIATION_IDENTITY_API_URL manque ou n'est pas une adresse https://" in messages
    assert "RESILIATION_SIGNATURE_API_KEY manque" in messages
    assert "COURRIER_POSTAL_API_URL manque ou n'est pas une adresse https:// (prestataire http postal" in messages
    assert "COURRIER_POSTAL_API_KEY manque (prestataire http postal" in messages
    settings.COURRIER_POSTAL_PROVIDER = "la-poste"
    [unknown] = postal_provider_configured(None)[:1]
    assert unknown.id == "courrier.E001" and unknown.msg == "COURRIER_POSTAL_PROVIDER : prestataire inconnu « la-poste »."


def test_development_settings_run_the_sandboxes_but_check_deploy_refuses_them(settings):
    assert settings.PORTAL_SANDBOX_PROVIDERS is True  # test settings, like dev
    assert all_checks() == []
    [error] = sandboxes_are_not_allowed(None)
    assert error.id == "portal.E002" and error.level == checks.ERROR
    settings.PORTAL_SANDBOX_PROVIDERS = False
    assert sandboxes_are_not_allowed(None) == []


# ------------------------------------------------------------------------------ routes

SANDBOX_ROUTES = [("billing:sandbox_payment", ["token"]), ("resiliation:sandbox_mail", [1]),
                  ("resiliation:sign", ["token"]), ("resiliation:sign_document", ["token"]),
                  ("courrier:sandbox:console", [1])]


def test_the_sandbox_pages_are_routed_only_where_sandboxes_are_allowed(settings, client_for, admin_user):
    urls = [reverse(name, args=args) for name, args in SANDBOX_ROUTES]
    client = client_for(admin_user)
    assert client.get(urls[0]).status_code == 404  # routed: an unknown purchase
    with sandboxes_not_allowed(settings):
        for name, args in SANDBOX_ROUTES:
            with pytest.raises(NoReverseMatch):
                reverse(name, args=args)
        assert reverse("resiliation:webhook", args=["registered_mail"])  # the real providers' doors stay
        assert reverse("courrier:webhook", args=["http"])
        for url in urls:
            assert client.get(url).status_code == 404
            assert client.post(url, {"action": "receive", "card_number": "4111111111111111"}).status_code == 404
    assert reverse("billing:sandbox_payment", args=["token"]) == urls[0]


# ---------------------------------------------------------------------- gateway client


def test_gateway_client_refuses_what_is_not_a_pdf_and_sends_its_key(settings):
    from portal.errors import ApplicationError
    from portal.providers import HttpGateway
    from tests.gateway import PDF, GatewayServer

    with GatewayServer() as server:
        client = HttpGateway(base_url=server.url + "/", api_key="k-1", service="Le service de test")
        server.answer("GET", "/doc", body=b"<html>not a pdf</html>", content_type="text/html")
        server.answer("GET", "/doc", body=PDF, content_type="application/pdf")
        with pytest.raises(ApplicationError, match="Le service de test ne répond pas correctement .le document reçu"):
            client.get_pdf("/doc")
        assert client.get_pdf("/doc") == PDF
        server.answer("POST", "/redirect", status=302, body=b"")
        with pytest.raises(ApplicationError, match="réponse HTTP 302"):  # redirects are not followed
            client.post_json("/redirect", {})
        assert {call.headers["Authorization"] for call in server.requests} == {"Bearer k-1"}


def test_demo_data_played_by_the_sandboxes_is_skipped_where_they_are_not_allowed(settings, org, admin_user):
    from io import StringIO

    from django.core.management import call_command

    from billing.models import CreditPurchase
    from resiliation.models import TerminationLetter

    settings.PORTAL_SANDBOX_PROVIDERS = False
    out = StringIO()
    call_command("billing_demo", stdout=out)
    call_command("resiliation_demo", stdout=out)
    call_command("courrier_demo", stdout=out)
    assert "Facturation : pas de données de démonstration (bacs à sable refusés par ces réglages)." in out.getvalue()
    assert "Résiliation : pas de données de démonstration" in out.getvalue()
    assert "Courrier papier : pas de données de démonstration (bacs à sable refusés" in out.getvalue()
    assert not CreditPurchase.objects.exists() and not TerminationLetter.objects.exists()
