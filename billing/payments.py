"""The payment-provider interface, its ``http`` and ``sandbox`` implementations (seed 001 §9.1).

A purchase goes: portal → ``checkout_url`` (the provider's payment page, the user's browser is
redirected there) → the user confirms or declines → the provider sends a signed notification
to ``billing:payment_callback`` → ``billing.purchases.credit_purchase_notify`` verifies it and
credits the account once.

Notifications are ``payload`` (base64url of a compact JSON object) + ``signature`` (hex
HMAC-SHA256 of the payload bytes with ``BILLING_PAYMENT_SECRET``, compared with
``hmac.compare_digest``). The JSON holds ``notification_id`` (unique: a replay is refused),
``token`` (the purchase), ``outcome`` (``paid`` / ``declined``), ``amount`` (string, euros),
``provider_reference`` and ``issued_at`` (Unix seconds: a late notification is refused).

``BILLING_PAYMENT_PROVIDER`` chooses the implementation:

``http`` — the payment provider's gateway at ``BILLING_PAYMENT_API_URL``, every request with
``Authorization: Bearer <BILLING_PAYMENT_API_KEY>``, JSON in and out, timeouts of 5 s (connect)
and 30 s (answer); any other answer than 2xx is a failure (the user is told to retry)::

    POST /payments        Idempotency-Key: <token>   (the same token never creates a second payment)
      {"reference": "<token>", "amount": "50.00", "currency": "EUR", "label": "Achat de crédits",
       "return_url": "<portal>/facturation/achat-de-credits/<token>/",
       "notify_url": "<portal>/facturation/paiement/notification/"}
      → 201 {"id": "<the provider's payment id>", "checkout_url": "https://… (its payment page)"}

  Once the user has paid or declined, the provider POSTs its notification to ``notify_url``
  (form fields ``payload`` and ``signature``, or the signature in the ``X-Payment-Signature``
  header; server to server or through the user's browser), its ``token`` being the reference.
  Answers: 303 (applied, or already settled), 409 (that ``notification_id`` was received before:
  do not retry), 403 (forged or late), 404 (unknown purchase), 400 (unreadable, other amount),
  410 (the 30-minute payment window had closed: not credited).

``sandbox`` — the bank of development, tests and demos: its payment page is served by the
portal itself (``billing:sandbox_payment``), takes any Luhn-valid card number and sends its
notification through the user's browser (an auto-submitted form, like 3-D Secure pages do).
Refused where ``PORTAL_SANDBOX_PROVIDERS`` is false (production): the page is not routed and
the provider refuses to run. In production ``BILLING_PAYMENT_SECRET`` is required (elsewhere a
key derived from SECRET_KEY stands in for it).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from billing.models import CreditPurchase
from billing.rules import signature_matches, signature_of
from portal.errors import ApplicationError
from portal.providers import HTTP, SANDBOX, HttpGateway, gateway_from_settings, sandbox_guard, shared_secret

OUTCOMES = ("paid", "declined")


@dataclass(frozen=True)
class PaymentNotice:
    notification_id: str
    token: str
    outcome: str
    amount: Decimal
    provider_reference: str
    issued_at: datetime


class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, *, purchase: CreditPurchase) -> str:
        """Where to send the user's browser to pay ``purchase``."""

    def notice_parse(self, *, payload: str, signature: str) -> PaymentNotice:
        """Verify and decode a notification; ApplicationError(code="forged") when it is not
        authentic."""


def payment_secret() -> bytes:
    """``BILLING_PAYMENT_SECRET`` (environment); required in production (derived from SECRET_KEY
    only where sandboxes run)."""
    return shared_secret("BILLING_PAYMENT_SECRET", derived_from="billing.payment")


def notice_encode(notice: PaymentNotice, *, secret: bytes) -> tuple[str, str]:
    """(payload, signature) of a notification."""
    body = json.dumps(
        {
            "notification_id": notice.notification_id,
            "token": notice.token,
            "outcome": notice.outcome,
            "amount": f"{notice.amount:.2f}",
            "provider_reference": notice.provider_reference,
            "issued_at": int(notice.issued_at.timestamp()),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("ascii")
    payload = base64.urlsafe_b64encode(body).decode("ascii")
    return payload, signature_of(payload.encode("ascii"), secret)


def notice_decode(payload: str, signature: str, *, secret: bytes) -> PaymentNotice:
    forged = ApplicationError("Notification de paiement refusée : signature invalide.", code="forged")
    try:
        raw = payload.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise forged
    if not signature or not signature_matches(raw, signature, secret):
        raise forged
    try:
        data = json.loads(base64.urlsafe_b64decode(raw))
        notice = PaymentNotice(
            notification_id=str(data["notification_id"]),
            token=str(data["token"]),
            outcome=str(data["outcome"]),
            amount=Decimal(str(data["amount"])),
            provider_reference=str(data.get("provider_reference", ""))[:100],
            issued_at=datetime.fromtimestamp(int(data["issued_at"]), tz=UTC),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, InvalidOperation, OverflowError):
        raise ApplicationError("Notification de paiement illisible.", code="malformed")
    if notice.outcome not in OUTCOMES or not notice.notification_id or not notice.token:
        raise ApplicationError("Notification de paiement illisible.", code="malformed")
    return notice


class HttpProvider:
    """The payment provider's gateway (protocol in the module docstring)."""

    name = HTTP

    def __init__(self, gateway: HttpGateway | None = None) -> None:
        self.gateway = gateway or gateway_from_settings(
            url_setting="BILLING_PAYMENT_API_URL", key_setting="BILLING_PAYMENT_API_KEY",
            service="Le service de paiement")

    def checkout_url(self, *, purchase: CreditPurchase) -> str:
        base = settings.PORTAL_BASE_URL.rstrip("/")
        answer = self.gateway.post_json("/payments", {
            "reference": purchase.token,
            "amount": f"{purchase.amount:.2f}",
            "currency": "EUR",
            "label": "Achat de crédits",
            "return_url": base + reverse("billing:purchase_result", args=[purchase.token]),
            "notify_url": base + reverse("billing:payment_callback"),
        }, idempotency_key=purchase.token)
        return self.gateway.url(answer, "checkout_url")

    def notice_parse(self, *, payload: str, signature: str) -> PaymentNotice:
        return notice_decode(payload, signature, secret=payment_secret())


class SandboxProvider:
    """A bank for development and tests, with its payment page inside the portal."""

    name = SANDBOX

    def checkout_url(self, *, purchase: CreditPurchase) -> str:
        sandbox_guard("BILLING_PAYMENT_PROVIDER")
        return reverse("billing:sandbox_payment", args=[purchase.token])

    def notice_parse(self, *, payload: str, signature: str) -> PaymentNotice:
        sandbox_guard("BILLING_PAYMENT_PROVIDER")
        return notice_decode(payload, signature, secret=payment_secret())

    def notice_for(self, *, purchase: CreditPurchase, outcome: str, now: datetime) -> tuple[str, str]:
        """The signed notification the sandbox bank sends once the user has decided."""
        sandbox_guard("BILLING_PAYMENT_PROVIDER")
        notice = PaymentNotice(
            notification_id=secrets.token_urlsafe(18),
            token=purchase.token,
            outcome=outcome,
            amount=purchase.amount,
            provider_reference=f"SBX-{secrets.token_hex(6).upper()}",
            issued_at=now,
        )
        return notice_encode(notice, secret=payment_secret())


def payment_provider() -> PaymentProvider:
    """The configured provider (``BILLING_PAYMENT_PROVIDER``); the sandbox is refused where
    sandboxes may not run (production)."""
    key = settings.BILLING_PAYMENT_PROVIDER
    if key == HTTP:
        return HttpProvider()
    if key == SANDBOX:
        sandbox_guard("BILLING_PAYMENT_PROVIDER")
        return SandboxProvider()
    raise ImproperlyConfigured(f"BILLING_PAYMENT_PROVIDER : prestataire inconnu « {key} » (http ou sandbox).")
