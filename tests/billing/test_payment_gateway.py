"""The ``http`` payment provider against a gateway really listening on 127.0.0.1
(``tests.gateway``), and the sandbox bank refused where sandboxes may not run."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from billing.models import CreditPurchase, PurchaseStatus, Receipt
from billing.payments import (
    HttpProvider,
    PaymentNotice,
    SandboxProvider,
    notice_encode,
    payment_provider,
    payment_secret,
)
from billing.selectors import account_balance
from portal import clock
from portal.errors import ApplicationError
from tests.gateway import GatewayServer

SECRET = b"payment-secret-shared-with-the-bank-0123456789"


@pytest.fixture
def gateway(settings):
    with GatewayServer() as server:
        settings.BILLING_PAYMENT_PROVIDER = "http"
        settings.BILLING_PAYMENT_API_URL = server.url
        settings.BILLING_PAYMENT_API_KEY = "key-payment"
        settings.BILLING_PAYMENT_SECRET = SECRET.decode()
        yield server


def bank_notice(purchase, *, outcome="paid", secret=SECRET) -> dict:
    """The notification the provider sends once the user has paid on its page."""
    payload, signature = notice_encode(PaymentNotice(
        notification_id=secrets.token_hex(8), token=purchase.token, outcome=outcome, amount=purchase.amount,
        provider_reference="PAY-1", issued_at=clock.local_now()), secret=secret)
    return {"payload": payload, "signature": signature}


def test_a_purchase_through_the_payment_gateway(gateway, client_for, admin_user, org, settings):
    gateway.answer("POST", "/payments", status=201,
                   json_body={"id": "pay_1", "checkout_url": "https://pay.example.fr/c/pay_1"})
    client = client_for(admin_user)
    response = client.post(reverse("billing:purchase"), {"amount": "50"})
    assert response.status_code == 302 and response["Location"] == "https://pay.example.fr/c/pay_1"
    purchase = CreditPurchase.objects.get()
    assert purchase.provider == "http" and purchase.amount == Decimal("50.00")
    [call] = gateway.calls("POST", "/payments")
    assert call.headers["Authorization"] == "Bearer key-payment"
    assert call.headers["Idempotency-Key"] == purchase.token
    base = settings.PORTAL_BASE_URL
    assert call.json == {"reference": purchase.token, "amount": "50.00", "currency": "EUR", "label": "Achat de crédits",
                         "return_url": f"{base}/facturation/achat-de-credits/{purchase.token}/",
                         "notify_url": f"{base}/facturation/paiement/notification/"}

    callback = reverse("billing:payment_callback")
    forged = bank_notice(purchase, secret=b"a key derived from SECRET_KEY or anything else")
    assert client.post(callback, forged).status_code == 403
    back = client.post(callback, bank_notice(purchase))
    assert back.status_code == 303 and back["Location"] == reverse("billing:purchase_result", args=[purchase.token])
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID and Receipt.objects.get().purchase == purchase
    assert account_balance(organisation=org) == Decimal("50.00")


def test_the_gateway_not_answering_is_a_clear_error_and_credits_nothing(gateway, client_for, admin_user, org):
    gateway.answer("POST", "/payments", status=500, json_body={})
    response = client_for(admin_user).post(reverse("billing:purchase"), {"amount": "50"})
    assert response.status_code == 400
    assert "Le service de paiement ne répond pas correctement (réponse HTTP 500)" in response.content.decode()
    assert account_balance(organisation=org) == Decimal("0.00") and not Receipt.objects.exists()


def test_a_checkout_page_that_is_not_https_is_refused_in_production(gateway, settings, org, admin_user):
    from billing import purchases

    settings.PORTAL_SANDBOX_PROVIDERS = False
    gateway.answer("POST", "/payments", status=201, json_body={"id": "p", "checkout_url": "http://pay.example.fr/c"})
    with pytest.raises(ApplicationError, match="n'est pas une adresse https:// valide"):
        purchases.credit_purchase_start(organisation=org, amount="50", by=admin_user, provider=HttpProvider(),
                                        now=clock.local_now())


def test_the_sandbox_bank_is_refused_where_sandboxes_are_not_allowed(settings, org, admin_user):
    from billing import purchases

    purchase, _ = purchases.credit_purchase_start(organisation=org, amount="30", by=admin_user,
                                                  provider=SandboxProvider(), now=clock.local_now())
    settings.PORTAL_SANDBOX_PROVIDERS = False
    with pytest.raises(ImproperlyConfigured, match="BILLING_PAYMENT_PROVIDER=sandbox : le prestataire bac à sable"):
        payment_provider()
    with pytest.raises(ImproperlyConfigured):  # the class itself, used directly
        SandboxProvider().notice_for(purchase=purchase, outcome="paid", now=clock.local_now())
    settings.BILLING_PAYMENT_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="BILLING_PAYMENT_SECRET manque"):
        payment_secret()  # no secret derived from SECRET_KEY
    settings.BILLING_PAYMENT_PROVIDER = "http"
    settings.BILLING_PAYMENT_API_URL, settings.BILLING_PAYMENT_API_KEY = "https://pay.example.fr/v1", "key"
    assert isinstance(payment_provider(), HttpProvider)
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PENDING and account_balance(organisation=org) == Decimal("0.00")
