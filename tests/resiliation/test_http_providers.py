"""The ``http`` providers (e-signature, registered e-mail, identity) against a provider gateway
really listening on 127.0.0.1 (``tests.gateway``), its webhooks signed as the protocol of
``resiliation.providers.base`` says; and the sandboxes refused where they may not run."""

import base64
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.errors import ApplicationError
from resiliation import conf, selectors, services
from resiliation.models import (
    IdentityStatus,
    IdentityVerification,
    LetterStatus,
    SignatureRequest,
    SignatureStatus,
    TerminationLetter,
)
from resiliation.providers import identity_provider, registered_mail_provider, signature_provider
from resiliation.providers.http import HttpRegisteredMailProvider
from resiliation.sandbox.provider import SandboxRegisteredMailProvider, sandbox_mail_tick, sandbox_webhooks_due
from tests.gateway import PDF, GatewayServer
from tests.resiliation.conftest import signed_event
from tests.sandboxes import sandboxes_not_allowed

PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 3, 2)
KINDS = ("SIGNATURE", "REGISTERED_MAIL", "IDENTITY")


@pytest.fixture
def gateway():
    with GatewayServer() as server:
        yield server


@pytest.fixture
def http_providers(settings, gateway):
    for kind in KINDS:
        setattr(settings, f"RESILIATION_{kind}_PROVIDER", "http")
        setattr(settings, f"RESILIATION_{kind}_API_URL", gateway.url)
        setattr(settings, f"RESILIATION_{kind}_API_KEY", f"key-{kind.lower()}")
    settings.RESILIATION_WEBHOOK_SECRET = "webhook-secret-shared-with-the-gateways-0123"
    return gateway


@pytest.fixture
def platform_letter(admin_user, make_letter, funded):
    """A letter in the platform's name, confirmed: its mandate is to be e-signed."""
    funded(admin_user.organisation)
    letter = make_letter(admin_user, contract_type="home_owner", reason="main_due_date")
    services.letter_sender_mode_set(letter=letter, mode="platform")
    return services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None, send=TODAY,
                                  dates_confirmed=True, now=MORNING)


def signature_start(letter):
    return services.signature_request_start(letter=letter, email="jean.dupont@client.test",
                                              mobile_phone="06 12 34 56 78", mode="remote", certified=True,
                                              now=MORNING)


def test_a_letter_signed_and_sent_through_the_gateways(http_providers, platform_letter, deliver):
    gateway = http_providers
    gateway.answer("POST", "/signatures", status=201, json_body={"reference": "sig_42", "url": "https://sign.example.fr/s/42"})
    request = signature_start(platform_letter)
    assert (request.provider, request.provider_reference, request.signing_url) == (
        "http", "sig_42", "https://sign.example.fr/s/42")
    [call] = gateway.calls("POST", "/signatures")
    assert call.headers["Authorization"] == "Bearer key-signature"
    assert call.headers["Content-Type"] == "application/json"
    assert call.json["signer"] == {"name": "Dupont Jean", "email": "jean.dupont@client.test",
                                   "mobile_phone": "06 12 34 56 78"}
    assert call.json["expires_at"] == request.expires_at.isoformat()
    assert call.json["webhook_url"] == f"{conf.base_url()}/resiliations/webhooks/signature/"
    assert call.json["document"]["name"] == "Mandat_Resiliation.pdf"
    assert base64.b64decode(call.json["document"]["content"]).startswith(b"%PDF-")

    # The signer signs on the provider's page; the provider calls back, the portal fetches the signed mandate.
    gateway.answer("GET", "/signatures/sig_42/signed-document", body=PDF, content_type="application/pdf")
    assert deliver("signature", *signed_event(event_type="signature.signed", reference="sig_42",
                                              occurred_at=MORNING + timedelta(minutes=5))).content == b"applied"
    request.refresh_from_db()
    assert request.status == SignatureStatus.SIGNED and request.signed_document_id
    assert gateway.calls("GET", "/signatures/sig_42/signed-document")[0].headers["Accept"] == "application/pdf"

    # Sent today: handed to the registered-mail gateway under the letter's idempotency key.
    gateway.answer("POST", "/registered-letters", status=201, json_body={"reference": "lre_42"})
    assert services.letter_dispatch(letter_id=platform_letter.pk, now=MORNING)
    letter = TerminationLetter.objects.get(pk=platform_letter.pk)
    assert (letter.registered_mail_provider, letter.provider_reference, letter.status) == (
        "http", "lre_42", LetterStatus.IN_TRANSIT)
    [call] = gateway.calls("POST", "/registered-letters")
    assert call.headers["Idempotency-Key"] == f"letter-{letter.pk}" == call.json["client_reference"]
    assert call.headers["Authorization"] == "Bearer key-registered_mail"
    assert call.json["recipient"] == {"name": letter.insurer.name, "address_lines": letter.insurer.address_lines}
    assert call.json["with_acknowledgement"] is True
    assert [d["name"] for d in call.json["documents"]] == [f"Lettre_resiliation_{letter.pk}.pdf",
                                                           "Mandat_resiliation.pdf",
                                                           "Certificat_de_signature_du_mandat.pdf"]

    # Its events: deposited, then signed by the insurer; the proofs come from the gateway.
    gateway.answer("GET", "/registered-letters/lre_42/proofs/deposit", body=PDF, content_type="application/pdf")
    gateway.answer("GET", "/registered-letters/lre_42/proofs/acknowledgement", body=PDF,
                   content_type="application/pdf")
    for event_type, hours in (("registered_mail.deposited", 1), ("registered_mail.signed", 5)):
        body, header = signed_event(event_type=event_type, reference="lre_42", occurred_at=MORNING + timedelta(hours=hours))
        assert deliver("registered_mail", body, header).content == b"applied"
    assert services.letter_proof_fetch(letter_id=letter.pk, kind="deposit")
    assert services.letter_proof_fetch(letter_id=letter.pk, kind="acknowledgement")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SIGNED and letter.deposit_notice_id and letter.acknowledgement_id


def test_a_resubmission_carries_the_same_idempotency_key(http_providers):
    gateway = http_providers
    gateway.answer("POST", "/registered-letters", status=201, json_body={"reference": "lre_7"})
    provider = registered_mail_provider()
    assert isinstance(provider, HttpRegisteredMailProvider)
    for _ in range(2):
        assert provider.registered_send(idempotency_key="letter-7", sender_name="Cabinet Un", recipient_name="MAAF",
                                        recipient_lines=["Chaban", "79180 CHAURAY"], with_acknowledgement=False,
                                        qualified=True, documents=[("a.pdf", PDF)]) == "lre_7"
    assert [c.headers["Idempotency-Key"] for c in gateway.calls("POST", "/registered-letters")] == ["letter-7"] * 2


@pytest.mark.parametrize(("answer", "message"), [
    ({"status": 503, "json_body": {}}, "réponse HTTP 503"),
    ({"status": 201, "body": b"<html>", "content_type": "text/html"}, "réponse illisible"),
    ({"status": 201, "json_body": {"reference": "s" * 81, "url": "https://sign.example.fr/s/1"}},
     "« reference » absent ou de plus de 80 caractères"),
    ({"status": 201, "json_body": {"reference": "sig_1", "url": "javascript:alert(1)"}}, "« url » n'est pas"),
])
def test_a_gateway_failure_is_a_clear_error_and_changes_nothing(http_providers, platform_letter, answer, message):
    http_providers.answer("POST", "/signatures", **answer)
    with pytest.raises(ApplicationError) as error:
        signature_start(platform_letter)
    assert error.value.message.startswith("Le service de signature électronique ne répond pas correctement")
    assert message in error.value.message
    assert not SignatureRequest.objects.exists()
    platform_letter.refresh_from_db()
    assert platform_letter.status == LetterStatus.AWAITING_SIGNATURE


def test_an_unreachable_gateway_is_a_clear_error(settings, platform_letter):
    settings.RESILIATION_SIGNATURE_PROVIDER = "http"
    settings.RESILIATION_SIGNATURE_API_URL = "http://127.0.0.1:9/v1"  # nothing listens
    settings.RESILIATION_SIGNATURE_API_KEY = "key"
    with pytest.raises(ApplicationError, match="connexion impossible"):
        signature_start(platform_letter)


# ------------------------------------------------------------------------------ identity


def test_identity_through_the_operator_gateway(http_providers, admin_user, funded, balance, client_for, deliver):
    gateway = http_providers
    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    gateway.answer("POST", "/identity-checks", status=502, json_body={})  # first attempt: no answer
    gateway.answer("POST", "/identity-checks", status=201,
                   json_body={"reference": "idc_9", "url": "https://id.example.fr/c/9"})
    check = services.identity_check_start(user=admin_user, mobile_phone="0612345678", email=admin_user.email,
                                          confirmed=True, price_accepted=True, now=MORNING)
    assert (check.provider, check.status, check.provider_reference, check.code) == ("http", "pending", "", "")
    assert balance(admin_user.organisation) == before - Decimal("14.40")

    client = client_for(admin_user)
    response = client.get("/resiliations/identite/verification/")  # « Continuer la vérification »
    assert response.status_code == 302 and response["Location"] == "https://id.example.fr/c/9"
    calls = gateway.calls("POST", "/identity-checks")
    assert [c.headers["Idempotency-Key"] for c in calls] == [f"identity-{check.pk}"] * 2
    assert calls[0].json["holder"] == {"name": "Ada Admin", "email": admin_user.email, "mobile_phone": "0612345678"}
    assert calls[0].json["webhook_url"] == f"{conf.base_url()}/resiliations/webhooks/identity/"
    assert "sandbox-code" not in client.get("/resiliations/identite/").content.decode()

    check.refresh_from_db()
    with pytest.raises(ApplicationError, match="chez l'opérateur"):  # no code to type at the portal
        services.identity_check_confirm(check=check, code="", now=MORNING)
    body, header = signed_event(event_type="identity.verified", reference="idc_9", occurred_at=MORNING)
    assert deliver("identity", body, header).content == b"applied"
    check.refresh_from_db()
    assert check.status == IdentityStatus.VERIFIED and check.verified_at == MORNING
    assert "Votre identité est vérifiée" in client.get("/resiliations/identite/").content.decode()
    assert balance(admin_user.organisation) == before - Decimal("14.40")


def test_a_failed_identification_ends_the_check(http_providers, admin_user, funded, deliver):
    funded(admin_user.organisation)
    http_providers.answer("POST", "/identity-checks", status=201,
                          json_body={"reference": "idc_1", "url": "https://id.example.fr/c/1"})
    services.identity_check_start(user=admin_user, mobile_phone="0612345678", email=admin_user.email, confirmed=True,
                                  price_accepted=True, now=MORNING)
    body, header = signed_event(event_type="identity.failed", reference="idc_1", occurred_at=MORNING)
    assert deliver("identity", body, header).content == b"applied"
    assert IdentityVerification.objects.get().status == IdentityStatus.FAILED
    body, header = signed_event(event_type="identity.verified", reference="idc_1", occurred_at=MORNING)
    assert deliver("identity", body, header).content == b"ignored"  # a late event changes nothing
    assert selectors.identity_status(user=admin_user) is None  # a new check may be started


# --------------------------------------------------------------- sandboxes where they may not run


def test_the_sandboxes_refuse_to_run_where_they_are_not_allowed(settings, admin_user, funded, balance):
    settings.PORTAL_SANDBOX_PROVIDERS = False
    for factory, setting in ((signature_provider, "RESILIATION_SIGNATURE_PROVIDER"),
                             (registered_mail_provider, "RESILIATION_REGISTERED_MAIL_PROVIDER"),
                             (identity_provider, "RESILIATION_IDENTITY_PROVIDER")):
        with pytest.raises(ImproperlyConfigured, match=f"{setting}=sandbox : le prestataire bac à sable est refusé"):
            factory()
    with pytest.raises(ImproperlyConfigured):  # the class itself, used directly
        SandboxRegisteredMailProvider().registered_send(
            idempotency_key="letter-1", sender_name="A", recipient_name="B", recipient_lines=[],
            with_acknowledgement=False, qualified=False, documents=[])
    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    with pytest.raises(ImproperlyConfigured):
        services.identity_check_start(user=admin_user, mobile_phone="0612345678", email=admin_user.email,
                                      confirmed=True, price_accepted=True, now=MORNING)
    assert balance(admin_user.organisation) == before and not IdentityVerification.objects.exists()
    assert sandbox_mail_tick(now=MORNING) == 0 and sandbox_webhooks_due() == []  # the beat chores do nothing
    settings.RESILIATION_WEBHOOK_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="RESILIATION_WEBHOOK_SECRET manque"):
        conf.webhook_secret()  # no secret derived from SECRET_KEY


def test_a_sandbox_identity_check_cannot_be_confirmed_where_sandboxes_are_not_allowed(settings, admin_user, funded):
    funded(admin_user.organisation)
    check = services.identity_check_start(user=admin_user, mobile_phone="0612345678", email=admin_user.email,
                                          confirmed=True, price_accepted=True, now=MORNING)
    settings.PORTAL_SANDBOX_PROVIDERS = False
    with pytest.raises(ApplicationError):
        services.identity_check_confirm(check=check, code=check.code, now=MORNING)
    check.refresh_from_db()
    assert check.status == IdentityStatus.PENDING


def test_pages_where_sandboxes_are_not_allowed_show_no_sandbox_part(settings, http_providers, admin_user, client_for,
                                                                     make_letter, orias_on_file, funded):
    """A sent letter's page without the « Bac à sable LRE » console link (not routed), the
    identity pages without a code."""
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=TODAY, confirmed=True)
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None, send=TODAY,
                           dates_confirmed=True, now=MORNING)
    http_providers.answer("POST", "/registered-letters", status=201, json_body={"reference": "lre_1"})
    http_providers.answer("POST", "/identity-checks", status=201,
                          json_body={"reference": "idc_1", "url": "https://id.example.fr/c/1"})
    client = client_for(admin_user)
    with sandboxes_not_allowed(settings):
        assert services.letter_dispatch(letter_id=letter.pk, now=MORNING)
        page = client.get(f"/resiliations/{letter.pk}/")
        assert page.status_code == 200
        assert "référence lre_1" in page.content.decode() and "Bac à sable" not in page.content.decode()
        response = client.post("/resiliations/identite/", {"mobile_phone": "0612345678", "email": admin_user.email,
                                                           "confirmed": "on", "price_accepted": "on"})
        assert client.get(response["Location"])["Location"] == "https://id.example.fr/c/1"
        assert "sandbox-code" not in client.get("/resiliations/identite/").content.decode()
