"""The payment-provider interface and its sandbox implementation (seed 001 §9.1).

A purchase goes: portal → ``checkout_url`` (the provider's payment page, the user's browser is
redirected there) → the user confirms or declines → the provider sends a signed notification
to ``billing:payment_callback`` → ``billing.purchases.credit_purchase_notify`` verifies it and
credits the account once.

Notifications are ``payload`` (base64url of a compact JSON object) + ``signature`` (hex
HMAC-SHA256 of the payload bytes with ``BILLING_PAYMENT_SECRET``, compared with
``hmac.compare_digest``). The JSON holds ``notification_id`` (unique: a replay is refused),
``token`` (the purchase), ``outcome`` (``paid`` / ``declined``), ``amount`` (string, euros),
``provider_reference`` and ``issued_at`` (Unix seconds: a late notification is refused).

The sandbox provider is the bank of development, tests and demos: its payment page is served
by the portal itself (``billing:sandbox_payment``), takes any card number and sends its
notification through the user's browser (an auto-submitted form, like 3-D Secure pages do).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.conf import settings
from django.urls import reverse

from billing.models import CreditPurchase
from billing.rules import signature_matches, signature_of
from portal.errors import ApplicationError

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
    """``BILLING_PAYMENT_SECRET`` (environment), or a key derived from SECRET_KEY."""
    configured = getattr(settings, "BILLING_PAYMENT_SECRET", "")
    if configured:
        return configured.encode("utf-8")
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), b"billing.payment.sandbox", hashlib.sha256).digest()


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


class SandboxProvider:
    """A bank for development and tests, with its payment page inside the portal."""

    name = "sandbox"

    def checkout_url(self, *, purchase: CreditPurchase) -> str:
        return reverse("billing:sandbox_payment", args=[purchase.token])

    def notice_parse(self, *, payload: str, signature: str) -> PaymentNotice:
        return notice_decode(payload, signature, secret=payment_secret())

    def notice_for(self, *, purchase: CreditPurchase, outcome: str, now: datetime) -> tuple[str, str]:
        """The signed notification the sandbox bank sends once the user has decided."""
        notice = PaymentNotice(
            notification_id=secrets.token_urlsafe(18),
            token=purchase.token,
            outcome=outcome,
            amount=purchase.amount,
            provider_reference=f"SBX-{secrets.token_hex(6).upper()}",
            issued_at=now,
        )
        return notice_encode(notice, secret=payment_secret())


PROVIDERS: dict[str, PaymentProvider] = {"sandbox": SandboxProvider()}


def payment_provider(name: str | None = None) -> PaymentProvider:
    """The configured provider (``BILLING_PAYMENT_PROVIDER``, "sandbox" by default)."""
    key = name or getattr(settings, "BILLING_PAYMENT_PROVIDER", "sandbox")
    try:
        return PROVIDERS[key]
    except KeyError:
        raise ApplicationError(f"Prestataire de paiement inconnu : {key}.")
