"""The SANDBOX postal provider: complete, local, and heard from only through webhooks that
really travel over HTTP to the portal's endpoint (``courrier:webhook``), HMAC-signed, retried.

* ``envelope_submit`` prints and posts at once: the item is « posted » the day it is handed
  over (a tracking number for lettre suivie and recommandés), event ``mail.posted``;
* ``sandbox_tick`` (beat, every few minutes) plays La Poste: tracked items go « En cours
  d'acheminement » two hours after posting and « Distribué » on the promised day;
* the console (``courrier:sandbox:console``) plays any event by hand — Avisé / non réclamé,
  Retourné — even out of order;
* ``proof_document`` renders the deposit proof and the acknowledgement of receipt (WeasyPrint).

Dates are the business moment (``portal.clock``), so ``PORTAL_NOW`` moves the sandbox too.

Development and tests only: every entry point refuses to run where ``PORTAL_SANDBOX_PROVIDERS``
is false (production, ``portal.providers.sandbox_guard``), and the periodic chores (the beat job
``courrier-sandbox-tick``) do nothing there.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from courrier import conf, rules
from courrier.providers import SETTING, PostalSubmission
from courrier.sandbox.models import SandboxPostalItem, SandboxWebhookDelivery
from portal import clock
from portal.pdf import pdf_render, sha256_hex
from portal.providers import SANDBOX, sandbox_guard, sandboxes_allowed
from portal.transactions import enqueue_on_commit
from portal.webhooks import HEADER, signature_header

logger = logging.getLogger(__name__)
MAX_DELIVERY_ATTEMPTS = 10
IN_TRANSIT_AFTER = timedelta(hours=2)
TRACKING_PREFIX = {rules.Mode.LETTRE_SUIVIE: "1L", rules.Mode.RECOMMANDE: "1A", rules.Mode.RECOMMANDE_AR: "1R"}
# The sandbox item's status after each event, and the events the console can play.
EVENT_STATUS = {"mail.posted": "posted", "mail.in_transit": "in_transit", "mail.notified": "notified",
                "mail.delivered": "delivered", "mail.returned": "returned"}
CONSOLE_EVENTS = {
    "mail.in_transit": "En cours d'acheminement",
    "mail.notified": "Avisé / non réclamé",
    "mail.delivered": "Distribué",
    "mail.returned": "Retourné",
}


class SandboxError(Exception):
    pass


# ----------------------------------------------------------------------------- webhooks


def sandbox_event_emit(*, item: SandboxPostalItem, event_type: str, occurred_at: datetime,
                       data: dict | None = None) -> SandboxWebhookDelivery:
    """Queue a webhook for the portal; delivered after commit, retried until it is accepted."""
    sandbox_guard(SETTING)
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "reference": item.reference,
        "occurred_at": occurred_at.isoformat(),
        "data": {"client_reference": item.client_reference, **(data or {})},
    }
    delivery = SandboxWebhookDelivery.objects.create(event_id=event["id"], body=json.dumps(event, sort_keys=True))
    from courrier.sandbox.tasks import sandbox_webhook_deliver_task

    enqueue_on_commit(sandbox_webhook_deliver_task, delivery.id)
    return delivery


def webhook_url() -> str:
    return conf.base_url() + reverse("courrier:webhook", args=[SANDBOX])


def sandbox_webhook_deliver(*, delivery_id: int) -> bool:
    """POST one delivery to the portal. True when delivered (now or before)."""
    import requests

    sandbox_guard(SETTING)
    delivery = SandboxWebhookDelivery.objects.get(pk=delivery_id)
    if delivery.delivered_at:
        return True
    body = delivery.body.encode()
    header = signature_header(body, secret=conf.webhook_secret(), timestamp=int(timezone.now().timestamp()))
    try:
        response = requests.post(webhook_url(), data=body, timeout=10,
                                 headers={HEADER: header, "Content-Type": "application/json"})
        ok = response.status_code < 300
        error = "" if ok else f"HTTP {response.status_code}: {response.text[:200]}"
    except requests.RequestException as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"
    attempts = delivery.attempts + 1
    if ok:
        SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now(), attempts=attempts,
                                                                    last_error="")
        return True
    backoff = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_error=error[:2000], next_attempt_at=timezone.now() + backoff)
    logger.warning("sandbox postal webhook %s not delivered (attempt %s): %s", delivery.event_id, attempts, error)
    return False


def sandbox_webhooks_deliver_in_process() -> int:
    """Deliver pending webhooks without HTTP (demo data, a single process): the portal verifies
    them exactly as over HTTP — the same signed body through the same service."""
    from courrier.services import postal_webhook_receive
    from portal.webhooks import WebhookRejected, WebhookRetry

    sandbox_guard(SETTING)
    delivered = 0
    for delivery in SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).order_by("id"):
        body = delivery.body.encode()
        header = signature_header(body, secret=conf.webhook_secret(), timestamp=int(timezone.now().timestamp()))
        try:
            postal_webhook_receive(provider=SANDBOX, body=body, header=header, now=clock.local_now())
        except (WebhookRejected, WebhookRetry) as exc:
            SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(last_error=str(exc))
            continue
        SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now())
        delivered += 1
    return delivered


def sandbox_webhooks_due(*, limit: int = 200) -> list[int]:
    if not sandboxes_allowed():
        return []
    now = timezone.now()
    return list(
        SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id").values_list("id", flat=True)[:limit]
    )


# ----------------------------------------------------------------------------- provider


def _tracking_number(mode: str) -> str:
    prefix = TRACKING_PREFIX.get(rules.Mode(mode))
    if prefix is None:
        return ""
    return f"{prefix}{secrets.randbelow(10 ** 11):011d}"


class SandboxPostalProvider:
    name = SANDBOX

    def envelope_submit(self, submission: PostalSubmission) -> str:
        sandbox_guard(SETTING)
        existing = SandboxPostalItem.objects.filter(client_reference=submission.client_reference).first()
        if existing is not None:
            return existing.reference
        if not submission.print_pdf.startswith(b"%PDF"):
            raise SandboxError("Le fichier à imprimer n'est pas un PDF.")
        now = clock.local_now()
        with transaction.atomic():
            item = SandboxPostalItem.objects.create(
                reference=f"pli_{uuid.uuid4().hex[:20]}", client_reference=submission.client_reference,
                mode=submission.mode, tracking_number=_tracking_number(submission.mode),
                recipient=list(submission.recipient), sender=list(submission.sender), pages=submission.pages,
                sha256=sha256_hex(submission.print_pdf), status="posted", handover_date=submission.handover_date,
                posted_at=now,
            )
            sandbox_event_emit(item=item, event_type="mail.posted", occurred_at=now,
                               data={"tracking_number": item.tracking_number} if item.tracking_number else {})
        return item.reference

    def proof_document(self, *, reference: str, kind: str) -> bytes:
        sandbox_guard(SETTING)
        item = SandboxPostalItem.objects.get(reference=reference)
        if kind == "acknowledgement" and item.delivered_at is None:
            raise SandboxError("Pas encore d'accusé de réception : le pli n'est pas distribué.")
        title = "Preuve de dépôt" if kind == "deposit" else "Accusé de réception"
        moment = item.posted_at if kind == "deposit" else item.delivered_at
        return pdf_render(template_name="courrier/sandbox/proof.html",
                          context={"item": item, "title": title, "moment": moment, "kind": kind,
                                   "letter_date": moment.date()})


# ------------------------------------------------------------------------------ La Poste


def sandbox_event_play(*, reference: str, event_type: str, now: datetime) -> SandboxPostalItem:
    """The console: La Poste's next news about an item, as chosen (order not enforced: the
    portal must cope with events out of order)."""
    sandbox_guard(SETTING)
    if event_type not in CONSOLE_EVENTS:
        raise SandboxError("Évènement inconnu.")
    with transaction.atomic():
        item = SandboxPostalItem.objects.select_for_update().get(reference=reference)
        if not item.tracking_number:
            raise SandboxError("Ce pli n'est pas suivi (écopli, lettre verte).")
        item.status = EVENT_STATUS[event_type]
        if event_type == "mail.delivered" and item.delivered_at is None:
            item.delivered_at = now
        item.save(update_fields=["status", "delivered_at"])
        sandbox_event_emit(item=item, event_type=event_type, occurred_at=now)
    return item


def sandbox_tick(*, now: datetime) -> dict:
    """La Poste, automatically: tracked items in transit two hours after posting, delivered on
    the promised business day after their hand-over."""
    moved = {"in_transit": 0, "delivered": 0}
    if not sandboxes_allowed():
        return moved
    calendar = clock.business_calendar()
    tracked = SandboxPostalItem.objects.exclude(tracking_number="")
    for item in tracked.filter(status="posted", posted_at__lte=now - IN_TRANSIT_AFTER).order_by("id")[:500]:
        with transaction.atomic():
            if SandboxPostalItem.objects.filter(pk=item.pk, status="posted").update(status="in_transit"):
                sandbox_event_emit(item=item, event_type="mail.in_transit", occurred_at=now)
                moved["in_transit"] += 1
    for item in tracked.filter(status="in_transit").order_by("id")[:500]:
        if rules.delivery_expected(handover=item.handover_date, mode=item.mode, calendar=calendar) > now.date():
            continue
        with transaction.atomic():
            if SandboxPostalItem.objects.filter(pk=item.pk, status="in_transit").update(status="delivered",
                                                                                       delivered_at=now):
                sandbox_event_emit(item=item, event_type="mail.delivered", occurred_at=now)
                moved["delivered"] += 1
    return moved
