"""Provider webhooks: HMAC-SHA256 signatures, verification, and receiving each event once.

Header ``X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.
Refused: a bad or missing signature (compared with ``hmac.compare_digest``), a timestamp
older (or further in the future) than the tolerance — a replayed delivery. Accepted events
are stored by (provider, id): a duplicate delivery finds the row and changes nothing; a late
event never moves a letter or a signature backwards (the handlers compare ranks).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from resiliation import conf
from resiliation.models import WebhookEvent

HEADER = "X-Webhook-Signature"


class WebhookRejected(Exception):
    pass


class WebhookRetry(Exception):
    """The event is valid but its object is not known yet: the provider should retry."""


def signature_header(body: bytes, *, secret: bytes, timestamp: int) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_verify(*, body: bytes, header: str, secret: bytes, now: datetime, tolerance: int) -> None:
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        raise WebhookRejected("signature absente ou illisible")
    expected = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received):
        raise WebhookRejected("signature invalide")
    if abs(now.timestamp() - timestamp) > tolerance:
        raise WebhookRejected("horodatage hors délai (rejeu ?)")


def event_parse(body: bytes) -> dict:
    try:
        event = json.loads(body)
        occurred = parse_datetime(event["occurred_at"])
        if not (event["id"] and event["type"] and event["reference"]) or occurred is None \
                or timezone.is_naive(occurred):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("évènement illisible")
    event["occurred"] = occurred
    return event


def webhook_receive(*, provider: str, body: bytes, header: str, now: datetime) -> str:
    """Verify and apply one delivery. Returns ``applied``, ``ignored`` (late) or ``duplicate``.

    The timestamp is checked against the wall clock (transport), ``now`` is the business time."""
    webhook_verify(body=body, header=header, secret=conf.webhook_secret(), now=timezone.now(),
                   tolerance=conf.webhook_tolerance_seconds())
    event = event_parse(body)
    handler = _handler(provider, event["type"])
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                provider=provider, event_id=str(event["id"])[:80], event_type=event["type"][:40],
                object_reference=str(event["reference"])[:80], occurred_at=event["occurred"],
                payload={k: v for k, v in event.items() if k != "occurred"},
            )
            applied = handler(event=event, now=now)
            if not applied:
                record.applied = False
                record.save(update_fields=["applied"])
    except IntegrityError:
        if WebhookEvent.objects.filter(provider=provider, event_id=str(event["id"])[:80]).exists():
            return "duplicate"
        raise
    return "applied" if applied else "ignored"


def _handler(provider: str, event_type: str):
    from resiliation import signatures, tracking

    handlers = {
        ("signature", "signature.opened"): signatures.signature_event_opened,
        ("signature", "signature.signed"): signatures.signature_event_signed,
        ("signature", "signature.refused"): signatures.signature_event_refused,
        ("signature", "signature.expired"): signatures.signature_event_expired,
        ("registered_mail", "registered_mail.deposited"): tracking.registered_event_deposited,
        ("registered_mail", "registered_mail.signed"): tracking.registered_event_received,
        ("registered_mail", "registered_mail.collected"): tracking.registered_event_received,
        ("registered_mail", "registered_mail.resent"): tracking.registered_event_resent,
    }
    try:
        return handlers[(provider, event_type)]
    except KeyError:
        raise WebhookRejected(f"évènement inconnu : {provider}/{event_type}")
