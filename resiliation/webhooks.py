"""Provider webhooks: HMAC-SHA256 signatures, verification, and receiving each event once.

Header ``X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.
Refused: a bad or missing signature (compared with ``hmac.compare_digest``), a timestamp
older (or further in the future) than the tolerance — a replayed delivery —, an unreadable
event, an id longer than 255 characters or a reference longer than 80 (refused whole, never
cut: two ids differing after their 80th character are two events). Accepted events are stored
by (kind, id): a duplicate delivery finds the row and changes nothing; a late event never moves
a letter or a signature backwards (the handlers compare ranks).

An event names its object by the reference its provider answered at creation; the handlers
look for it among the objects handed to the provider configured for that kind
(``event["provider"]``), never by a key of the portal's own: an event cannot reach a draft,
nor an object of another provider (the full protocol: ``resiliation.providers.base``).
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
from resiliation.models import EVENT_ID_MAX, REFERENCE_MAX, WebhookEvent

HEADER = "X-Webhook-Signature"
KINDS = ("signature", "registered_mail", "identity")


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
        texts = (event["id"], event["type"], event["reference"])
        if not all(isinstance(text, str) and text for text in texts) or occurred is None \
                or timezone.is_naive(occurred):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("évènement illisible")
    if len(event["id"]) > EVENT_ID_MAX:
        raise WebhookRejected(f"identifiant d'évènement trop long ({len(event['id'])} caractères, "
                              f"{EVENT_ID_MAX} au plus)")
    if len(event["reference"]) > REFERENCE_MAX:
        raise WebhookRejected(f"référence trop longue ({len(event['reference'])} caractères, {REFERENCE_MAX} au plus)")
    event["occurred"] = occurred
    return event


def webhook_receive(*, provider: str, body: bytes, header: str, now: datetime) -> str:
    """Verify and apply one delivery of the ``provider`` kind (``signature``, ``registered_mail``,
    ``identity``). Returns ``applied``, ``ignored`` (late) or ``duplicate``.

    The timestamp is checked against the wall clock (transport), ``now`` is the business time."""
    from resiliation.providers import provider_for_kind

    webhook_verify(body=body, header=header, secret=conf.webhook_secret(), now=timezone.now(),
                   tolerance=conf.webhook_tolerance_seconds())
    event = event_parse(body)
    handler = _handler(provider, event["type"])
    payload = dict(event)
    event = {**event, "provider": provider_for_kind(provider)}  # who sent it: the configured provider
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                provider=provider, event_id=event["id"], event_type=event["type"],
                object_reference=event["reference"], occurred_at=event["occurred"],
                payload={k: v for k, v in payload.items() if k != "occurred"},
            )
            applied = handler(event=event, now=now)
            if not applied:
                record.applied = False
                record.save(update_fields=["applied"])
    except IntegrityError:
        if WebhookEvent.objects.filter(provider=provider, event_id=event["id"]).exists():
            return "duplicate"
        raise
    return "applied" if applied else "ignored"


def _handler(provider: str, event_type: str):
    from resiliation import identity, signatures, tracking

    handlers = {
        ("signature", "signature.opened"): signatures.signature_event_opened,
        ("signature", "signature.signed"): signatures.signature_event_signed,
        ("signature", "signature.refused"): signatures.signature_event_refused,
        ("signature", "signature.expired"): signatures.signature_event_expired,
        ("registered_mail", "registered_mail.deposited"): tracking.registered_event_deposited,
        ("registered_mail", "registered_mail.signed"): tracking.registered_event_received,
        ("registered_mail", "registered_mail.collected"): tracking.registered_event_received,
        ("registered_mail", "registered_mail.resent"): tracking.registered_event_resent,
        ("identity", "identity.verified"): identity.identity_event_verified,
        ("identity", "identity.failed"): identity.identity_event_failed,
    }
    try:
        return handlers[(provider, event_type)]
    except KeyError:
        raise WebhookRejected(f"évènement inconnu : {provider}/{event_type}")
