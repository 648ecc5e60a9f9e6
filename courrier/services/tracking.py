"""La Poste's side, from the postal provider's signed webhooks (``portal.webhooks``): Posté
(with the tracking number of lettre suivie and recommandés), then En cours d'acheminement,
Avisé / non réclamé, Distribué, Retourné; the deposit proof and the acknowledgement of receipt
as PDFs.

Deliveries may be duplicated, replayed (refused by ``portal.webhooks``) or out of order:
every event is kept in the history at its own date, the delivery status never moves
backwards, and news of delivery implies the envelope was posted.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from courrier import conf, rules
from courrier.models import (
    DELIVERY_RANK,
    ONCE_EVENTS,
    DeliveryStatus,
    Envelope,
    EnvelopeEvent,
    EventType,
    Mode,
    Status,
    WebhookEvent,
)
from portal.pdf import document_store
from portal.transactions import enqueue_on_commit
from portal.webhooks import WebhookRetry, webhook_receive

DELIVERY_EVENTS = {
    "mail.in_transit": DeliveryStatus.IN_TRANSIT,
    "mail.notified": DeliveryStatus.NOTIFIED,
    "mail.delivered": DeliveryStatus.DELIVERED,
    "mail.returned": DeliveryStatus.RETURNED,
}
PROOF_FIELDS = {"deposit": "deposit_proof", "acknowledgement": "acknowledgement"}


def _envelope_for(event: dict) -> Envelope:
    """The envelope of an event, locked: one handed over to the provider that sent it
    (``event["provider"]``, recorded at hand-over), found by the reference that provider
    answered to its submission — never by a key of the portal's own, so an event cannot reach
    a draft, nor another provider's envelope. Unknown (the submission's answer may still be on
    its way): the provider retries later (409)."""
    envelope = (Envelope.objects.select_for_update()
                .filter(provider=event["provider"], provider_reference=event["reference"])
                .exclude(provider_reference="").first())
    if envelope is None or envelope.status not in (Status.TRANSMITTED, Status.POSTED):
        raise WebhookRetry("pli inconnu")
    return envelope


def _event_once(envelope: Envelope, event_type: str, occurred: datetime, detail: str = "") -> bool:
    if event_type in ONCE_EVENTS and EnvelopeEvent.objects.filter(envelope=envelope, type=event_type).exists():
        return False
    EnvelopeEvent.objects.create(envelope=envelope, type=event_type, occurred_at=occurred, detail=detail[:300])
    return True


def _posted(envelope: Envelope, occurred: datetime) -> None:
    if envelope.status == Status.TRANSMITTED:
        envelope.status = Status.POSTED
    if envelope.posted_at is None or occurred < envelope.posted_at:
        envelope.posted_at = occurred


def postal_event_posted(*, event: dict, now: datetime) -> bool:
    """« Posté »: La Poste took the envelope (tracking number for the tracked modes)."""
    envelope = _envelope_for(event)
    occurred = event["occurred"]
    tracking = str((event.get("data") or {}).get("tracking_number", "")).strip()[:40]
    recorded = _event_once(envelope, EventType.POSTED, occurred, f"N° de suivi {tracking}" if tracking else "")
    _posted(envelope, occurred)
    if tracking and not envelope.tracking_number:
        envelope.tracking_number = tracking
    envelope.save(update_fields=["status", "posted_at", "tracking_number", "updated_at"])
    if recorded and envelope.mode in rules.REGISTERED_MODES:
        _proof_after_commit(envelope, "deposit")
    return recorded


def postal_event_delivery(*, event: dict, now: datetime) -> bool:
    """La Poste's tracking. Applied when it moves the delivery status forward; a late event is
    kept in the history but changes nothing (returns False)."""
    envelope = _envelope_for(event)
    status = DELIVERY_EVENTS[event["type"]]
    occurred = event["occurred"]
    recorded = _event_once(envelope, status, occurred)
    _posted(envelope, occurred)  # news of delivery: La Poste has it, whatever came first
    moved = recorded and DELIVERY_RANK[status] > DELIVERY_RANK[DeliveryStatus(envelope.delivery_status)]
    if moved:
        envelope.delivery_status, envelope.delivery_status_at = status, occurred
    envelope.save(update_fields=["status", "posted_at", "delivery_status", "delivery_status_at", "updated_at"])
    if recorded and status == DeliveryStatus.DELIVERED and envelope.mode == Mode.RECOMMANDE_AR:
        _proof_after_commit(envelope, "acknowledgement")
    return moved


HANDLERS = {"mail.posted": postal_event_posted, **dict.fromkeys(DELIVERY_EVENTS, postal_event_delivery)}


def postal_webhook_receive(*, provider: str, body: bytes, header: str, now: datetime) -> str:
    """The endpoint's service: verify (HMAC, replay window), store once, apply."""
    return webhook_receive(provider=provider, body=body, header=header, secret=conf.webhook_secret(),
                           tolerance=conf.webhook_tolerance_seconds(), handlers=HANDLERS,
                           record_model=WebhookEvent, now=now)


def _proof_after_commit(envelope: Envelope, kind: str) -> None:
    from courrier.tasks import envelope_proof_task

    enqueue_on_commit(envelope_proof_task, envelope.pk, kind)


def envelope_proof_fetch(*, envelope_id: int, kind: str) -> bool:
    """Body of the proof task: fetch the PDF from the provider the envelope was handed to
    (outside any transaction), store it once."""
    from courrier.providers import postal_provider

    field = PROOF_FIELDS[kind]
    envelope = Envelope.objects.get(pk=envelope_id)
    if getattr(envelope, f"{field}_id") or not envelope.provider_reference:
        return False
    content = postal_provider(envelope.provider).proof_document(reference=envelope.provider_reference, kind=kind)
    with transaction.atomic():
        title = "Preuve_de_depot" if kind == "deposit" else "Accuse_de_reception"
        stored = document_store(content=content, name=f"{title}_{envelope.number}.pdf",
                                content_type="application/pdf")
        updated = Envelope.objects.filter(pk=envelope.pk, **{f"{field}__isnull": True}).update(**{field: stored})
        if not updated:
            stored.file.delete(save=False)
            stored.delete()
    return bool(updated)
