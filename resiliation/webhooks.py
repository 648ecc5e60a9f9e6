"""The providers' webhooks of the résiliation app: one endpoint per kind (``signature``,
``registered_mail``, ``identity``), verified and received once by ``portal.webhooks`` (HMAC
signature, replay window, dedup by event id), each event applied by its service.

An event names its object by the reference its provider answered at creation; the handlers
look for it among the objects handed to the provider configured for that kind
(``event["provider"]``), never by a key of the portal's own: an event cannot reach a draft,
nor an object of another provider (the full protocol: ``resiliation.providers.base``).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from portal import webhooks
from portal.webhooks import HEADER, WebhookRejected, WebhookRetry, signature_header
from resiliation import conf
from resiliation.models import WebhookEvent
from resiliation.providers import provider_for_kind
from resiliation.services import identity, signatures, tracking

__all__ = ["HANDLERS", "HEADER", "KINDS", "WebhookRejected", "WebhookRetry", "signature_header", "webhook_receive"]

HANDLERS = {
    "signature": {
        "signature.opened": signatures.signature_event_opened,
        "signature.signed": signatures.signature_event_signed,
        "signature.refused": signatures.signature_event_refused,
        "signature.expired": signatures.signature_event_expired,
    },
    "registered_mail": {
        "registered_mail.deposited": tracking.registered_event_deposited,
        "registered_mail.signed": tracking.registered_event_received,
        "registered_mail.collected": tracking.registered_event_received,
        "registered_mail.resent": tracking.registered_event_resent,
    },
    "identity": {
        "identity.verified": identity.identity_event_verified,
        "identity.failed": identity.identity_event_failed,
    },
}
KINDS = tuple(HANDLERS)


def webhook_receive(*, provider: str, body: bytes, header: str, now: datetime) -> str:
    """Verify and apply one delivery of the ``provider`` kind. Returns ``applied``, ``ignored``
    (late) or ``duplicate``. ``now`` is the business moment; the signature's timestamp is
    checked against the wall clock. The event table keeps the kind; the handlers receive the
    name of the provider configured for it (refused here: a sandbox in production)."""
    if provider not in HANDLERS:
        raise WebhookRejected(f"prestataire inconnu : {provider}")
    configured = provider_for_kind(provider)
    handlers = {event_type: partial(_apply, handler, configured) for event_type, handler in HANDLERS[provider].items()}
    return webhooks.webhook_receive(
        provider=provider, body=body, header=header, secret=conf.webhook_secret(),
        tolerance=conf.webhook_tolerance_seconds(), handlers=handlers, record_model=WebhookEvent, now=now)


def _apply(handler, configured: str, *, event: dict, now: datetime) -> bool:
    return handler(event={**event, "provider": configured}, now=now)
