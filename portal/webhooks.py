"""Provider webhooks, the generic part every app shares: HMAC-SHA256 signatures, verification
with a tolerance, parsing, and receiving each event once.

Header ``X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``.
Refused (``WebhookRejected``): a bad or missing signature (compared with
``hmac.compare_digest``), a timestamp older — or further in the future — than the tolerance
(a replayed delivery), an unreadable event. An event is JSON with a unique ``id``, a ``type``,
the object ``reference`` (strings) and an aware ISO ``occurred_at``; an id or a reference longer
than its column in the app's event table is refused whole, never cut (two ids that differ after
their 80th character are two events).

The dedup rule: an accepted event is stored by (provider, id) in the app's own event table
(any model with the fields ``provider, event_id, event_type, object_reference, occurred_at,
payload, applied`` and a unique constraint on ``provider, event_id``), in the same
transaction as its handler's changes. A duplicate delivery hits the constraint and changes
nothing; a handler answers False for an event that arrives after a more advanced state
(out of order: stored, not applied). Handlers receive the event with ``event["provider"]``, the
provider whose endpoint received it, so that they look for its object among those handed to
that provider only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

HEADER = "X-Webhook-Signature"

Handler = Callable[..., bool]  # handler(*, event: dict, now: datetime) -> bool (applied)


class WebhookRejected(Exception):
    """Refused for good: forged, replayed, unreadable or unknown (answer 400)."""


class WebhookRetry(Exception):
    """Valid, but its object is not known yet: the provider should retry later (answer 409)."""


def signature_header(body: bytes, *, secret: bytes, timestamp: int) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_verify(*, body: bytes, header: str, secret: bytes, now: datetime, tolerance: int) -> None:
    """``now`` is the wall clock of the transport (``timezone.now()``), not the business moment."""
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


def event_parse(body: bytes, *, id_max: int, reference_max: int) -> dict:
    try:
        event = json.loads(body)
        occurred = parse_datetime(event["occurred_at"])
        texts = (event["id"], event["type"], event["reference"])
        if not all(isinstance(text, str) and text for text in texts) or occurred is None \
                or timezone.is_naive(occurred):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("évènement illisible")
    if len(event["id"]) > id_max:
        raise WebhookRejected(f"identifiant d'évènement trop long ({len(event['id'])} caractères, {id_max} au plus)")
    if len(event["reference"]) > reference_max:
        raise WebhookRejected(f"référence trop longue ({len(event['reference'])} caractères, {reference_max} au plus)")
    event["occurred"] = occurred
    return event


def event_receive_once(*, record_model: type[models.Model], provider: str, event: dict, handler: Handler,
                       now: datetime) -> str:
    """Store the event and apply it in one transaction. Returns ``applied``, ``ignored``
    (stored, but late: nothing moved) or ``duplicate`` (already received: nothing done)."""
    event_id = event["id"]
    try:
        with transaction.atomic():
            record = record_model.objects.create(
                provider=provider, event_id=event_id, event_type=event["type"],
                object_reference=event["reference"], occurred_at=event["occurred"],
                payload={key: value for key, value in event.items() if key != "occurred"},
            )
            applied = handler(event={**event, "provider": provider}, now=now)
            if not applied:
                record.applied = False
                record.save(update_fields=["applied"])
    except IntegrityError:
        if record_model.objects.filter(provider=provider, event_id=event_id).exists():
            return "duplicate"
        raise
    return "applied" if applied else "ignored"


def webhook_receive(*, provider: str, body: bytes, header: str, secret: bytes, tolerance: int,
                    handlers: Mapping[str, Handler], record_model: type[models.Model], now: datetime) -> str:
    """Verify, parse and apply one delivery (see ``event_receive_once``). The signature's
    timestamp is checked against the wall clock; ``now`` is the business moment."""
    webhook_verify(body=body, header=header, secret=secret, now=timezone.now(), tolerance=tolerance)
    fields = record_model._meta
    event = event_parse(body, id_max=fields.get_field("event_id").max_length,
                        reference_max=fields.get_field("object_reference").max_length)
    try:
        handler = handlers[event["type"]]
    except KeyError:
        raise WebhookRejected(f"évènement inconnu : {provider}/{event['type']}")
    return event_receive_once(record_model=record_model, provider=provider, event=event, handler=handler, now=now)
