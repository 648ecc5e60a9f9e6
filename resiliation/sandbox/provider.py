"""The SANDBOX e-signature and registered-mail providers: complete, local, and driven by
webhooks that really travel over HTTP to the portal's endpoint, HMAC-signed, retried.

* Signature: ``signature_start`` stores the document and returns a link to the signing page
  the portal serves under a signed token (``resiliation:sign``); the page walks the signer
  through the documents, an SMS-code step (the sandbox shows the code on screen) and
  « Signer » / « Refuser de signer ».
* Registered mail: ``registered_send`` deposits the letter at once (event ``deposited``);
  the sandbox console (``resiliation:sandbox_mail``, ``resiliation.sandbox.views``) plays the recipient — accept (→ signed
  with AR, collected without) — and ``sandbox_mail_tick`` marks letters not collected after
  15 days as resent.
* Identity: ``identity_start`` points to the portal's operator page (``resiliation:identity_verify``)
  which shows the SMS code (``resiliation.services.identity``).

Development and tests only: every entry point refuses to run where ``PORTAL_SANDBOX_PROVIDERS``
is false (production), and the periodic chores do nothing there.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.pdf import document_bytes, document_store, pdf_render
from portal.providers import SANDBOX, sandbox_guard, sandboxes_allowed
from portal.transactions import enqueue_on_commit
from portal.webhooks import HEADER, signature_header
from resiliation import conf
from resiliation.providers.base import IdentityStart, SignatureStart
from resiliation.sandbox.models import SandboxRegisteredMail, SandboxSignature, SandboxWebhookDelivery

logger = logging.getLogger(__name__)
SIGN_SALT = "resiliation.sandbox.sign"
NOT_COLLECTED_AFTER = timedelta(days=15)
MAX_DELIVERY_ATTEMPTS = 10


# ----------------------------------------------------------------------------- webhooks


def sandbox_event_emit(*, provider: str, event_type: str, reference: str, data: dict | None = None,
                       occurred_at: datetime | None = None) -> SandboxWebhookDelivery:
    """Queue a webhook for the portal; delivered after commit, retried until it is accepted."""
    sandbox_guard(f"RESILIATION_{provider.upper()}_PROVIDER")
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "reference": reference,
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
        "data": data or {},
    }
    delivery = SandboxWebhookDelivery.objects.create(provider=provider, event_id=event["id"],
                                                     body=json.dumps(event, sort_keys=True))
    from resiliation.sandbox.tasks import sandbox_webhook_deliver_task

    enqueue_on_commit(sandbox_webhook_deliver_task, delivery.id)
    return delivery


def sandbox_webhook_deliver(*, delivery_id: int) -> bool:
    """POST one delivery to the portal. True when delivered (now or before)."""
    import requests

    delivery = SandboxWebhookDelivery.objects.get(pk=delivery_id)
    sandbox_guard(f"RESILIATION_{delivery.provider.upper()}_PROVIDER")
    if delivery.delivered_at:
        return True
    body = delivery.body.encode()
    url = conf.base_url() + reverse("resiliation:webhook", args=[delivery.provider])
    header = signature_header(body, secret=conf.webhook_secret(), timestamp=int(timezone.now().timestamp()))
    try:
        response = requests.post(url, data=body, timeout=10,
                                 headers={HEADER: header, "Content-Type": "application/json"})
        ok = response.status_code < 300
        error = "" if ok else f"HTTP {response.status_code}: {response.text[:200]}"
    except requests.RequestException as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"
    attempts = delivery.attempts + 1
    if ok:
        SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now(),
                                                                    attempts=attempts, last_error="")
        return True
    backoff = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_error=error[:2000], next_attempt_at=timezone.now() + backoff)
    logger.warning("sandbox webhook %s not delivered (attempt %s): %s", delivery.event_id, attempts, error)
    return False


def sandbox_webhooks_pending() -> list[SandboxWebhookDelivery]:
    """Deliveries not yet accepted, oldest first (the demo data hands them over in-process)."""
    sandbox_guard("RESILIATION_REGISTERED_MAIL_PROVIDER")
    return list(SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).order_by("id"))


def sandbox_webhook_delivered(*, delivery: SandboxWebhookDelivery, error: str = "") -> None:
    """Record an in-process delivery: accepted (no ``error``) or refused with its reason."""
    if error:
        SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(last_error=error)
    else:
        SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now())


def sandbox_webhook_signed(delivery: SandboxWebhookDelivery) -> tuple[bytes, str]:
    """The body and signature header of a delivery, as it travels over HTTP."""
    body = delivery.body.encode()
    return body, signature_header(body, secret=conf.webhook_secret(), timestamp=int(timezone.now().timestamp()))


def sandbox_webhooks_due(*, limit: int = 200) -> list[int]:
    from django.db.models import Q

    if not sandboxes_allowed():
        return []
    now = timezone.now()
    return list(
        SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id").values_list("id", flat=True)[:limit]
    )


# ---------------------------------------------------------------------------- signature


def sign_token(reference: str) -> str:
    return signing.dumps(reference, salt=SIGN_SALT)


def sign_token_reference(token: str, *, max_age: int = 8 * 24 * 3600) -> str | None:
    try:
        return signing.loads(token, salt=SIGN_SALT, max_age=max_age)
    except signing.BadSignature:
        return None


class SandboxSignatureProvider:
    name = SANDBOX

    def signature_start(self, *, document: bytes, document_name: str, signer_name: str, email: str,
                        mobile_phone: str, expires_at: datetime) -> SignatureStart:
        sandbox_guard("RESILIATION_SIGNATURE_PROVIDER")
        reference = f"sig_{uuid.uuid4().hex[:20]}"
        with transaction.atomic():
            stored = document_store(content=document, name=document_name, content_type="application/pdf")
            SandboxSignature.objects.create(reference=reference, signer_name=signer_name, email=email,
                                            mobile_phone=mobile_phone, document=stored, expires_at=expires_at)
        url = conf.base_url() + reverse("resiliation:sign", args=[sign_token(reference)])
        return SignatureStart(reference=reference, url=url)

    def signature_cancel(self, *, reference: str) -> None:
        SandboxSignature.objects.filter(reference=reference, status__in=["pending", "opened"]).update(
            status="cancelled")

    def signed_document(self, *, reference: str) -> bytes:
        sandbox_guard("RESILIATION_SIGNATURE_PROVIDER")
        session = SandboxSignature.objects.select_related("signed_document").get(reference=reference)
        if session.signed_document is None:
            raise LookupError("Document non signé.")
        return document_bytes(session.signed_document)


class SandboxSigningError(Exception):
    pass


def sandbox_code_send(*, reference: str, now: datetime) -> SandboxSignature:
    """The SMS step: a new 6-digit code (shown on screen by the sandbox)."""
    with transaction.atomic():
        session = SandboxSignature.objects.select_for_update().get(reference=reference)
        _check_open(session, now)
        session.code = f"{secrets.randbelow(10 ** 6):06d}"
        session.code_attempts = 0
        first_open = session.status == "pending"
        session.status = "opened"
        session.save(update_fields=["code", "code_attempts", "status"])
        if first_open:
            sandbox_event_emit(provider="signature", event_type="signature.opened", reference=reference)
    return session


def sandbox_sign(*, reference: str, code: str, signed_pdf: bytes, now: datetime) -> SandboxSignature:
    """« Signer »: the code must match (3 attempts, then a new code is needed)."""
    with transaction.atomic():
        session = SandboxSignature.objects.select_for_update().get(reference=reference)
        _check_open(session, now)
        if not session.code:
            raise SandboxSigningError("Demandez d'abord le code SMS.")
        if session.code_attempts >= 3:
            raise SandboxSigningError("Trop d'essais : demandez un nouveau code.")
        if not secrets.compare_digest(session.code, (code or "").strip()):
            session.code_attempts += 1
            session.save(update_fields=["code_attempts"])
            raise SandboxSigningError("Le code saisi est incorrect.")
        session.signed_document = document_store(content=signed_pdf, name="Mandat_Resiliation_signe.pdf",
                                                 content_type="application/pdf")
        session.status, session.signed_at = "signed", now
        session.save(update_fields=["signed_document", "status", "signed_at"])
        sandbox_event_emit(provider="signature", event_type="signature.signed", reference=reference,
                           occurred_at=now)
    return session


def sandbox_refuse(*, reference: str, now: datetime) -> SandboxSignature:
    with transaction.atomic():
        session = SandboxSignature.objects.select_for_update().get(reference=reference)
        _check_open(session, now)
        session.status = "refused"
        session.save(update_fields=["status"])
        sandbox_event_emit(provider="signature", event_type="signature.refused", reference=reference,
                           occurred_at=now)
    return session


def _check_open(session: SandboxSignature, now: datetime) -> None:
    if session.status not in ("pending", "opened"):
        raise SandboxSigningError("Cette procédure de signature est terminée.")
    if now >= session.expires_at:
        raise SandboxSigningError("Le délai de signature est dépassé : la procédure est interrompue.")


# ------------------------------------------------------------------------ registered mail


class SandboxRegisteredMailProvider:
    name = SANDBOX

    def registered_send(self, *, idempotency_key: str, sender_name: str, recipient_name: str,
                        recipient_lines: list[str], with_acknowledgement: bool, qualified: bool,
                        documents: list[tuple[str, bytes]]) -> str:
        sandbox_guard("RESILIATION_REGISTERED_MAIL_PROVIDER")
        existing = SandboxRegisteredMail.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing.reference
        now = timezone.now()
        with transaction.atomic():
            mail = SandboxRegisteredMail.objects.create(
                reference=f"lre_{uuid.uuid4().hex[:20]}", idempotency_key=idempotency_key, sender_name=sender_name,
                recipient_name=recipient_name, recipient_lines=recipient_lines,
                with_acknowledgement=with_acknowledgement, qualified=qualified, status="deposited",
                deposited_at=now,
            )
            mail.documents.set([document_store(content=content, name=name, content_type="application/pdf")
                                for name, content in documents])
            sandbox_event_emit(provider="registered_mail", event_type="registered_mail.deposited",
                               reference=mail.reference, occurred_at=now,
                               data={"client_reference": idempotency_key})
        return mail.reference

    def proof_document(self, *, reference: str, kind: str) -> bytes:
        sandbox_guard("RESILIATION_REGISTERED_MAIL_PROVIDER")
        mail = SandboxRegisteredMail.objects.get(reference=reference)
        title = "Avis de dépôt" if kind == "deposit" else "Accusé de réception"
        moment = mail.deposited_at if kind == "deposit" else mail.received_at
        return pdf_render(template_name="resiliation/pdf/proof.html",
                          context={"mail": mail, "title": title, "moment": moment, "kind": kind,
                                   "letter_date": (moment or timezone.now()).date(),
                                   "recipient_lines": [mail.recipient_name, *mail.recipient_lines]})


def sandbox_mail_receive(*, reference: str, now: datetime) -> SandboxRegisteredMail:
    """The recipient accepts (AR: « Signée ») or opens (simple: « Relevée ») the letter."""
    with transaction.atomic():
        mail = SandboxRegisteredMail.objects.select_for_update().get(reference=reference)
        if mail.status not in ("deposited", "resent"):
            raise SandboxSigningError("Ce courrier a déjà été reçu.")
        mail.status = "signed" if mail.with_acknowledgement else "collected"
        mail.received_at = now
        mail.save(update_fields=["status", "received_at"])
        sandbox_event_emit(provider="registered_mail", event_type=f"registered_mail.{mail.status}",
                           reference=reference, occurred_at=now)
    return mail


def sandbox_mail_tick(*, now: datetime) -> int:
    """Letters not collected within 15 days are resent by the operator (« retransmise »)."""
    if not sandboxes_allowed():
        return 0
    count = 0
    for mail in SandboxRegisteredMail.objects.filter(status="deposited", deposited_at__lte=now - NOT_COLLECTED_AFTER):
        with transaction.atomic():
            updated = SandboxRegisteredMail.objects.filter(pk=mail.pk, status="deposited").update(
                status="resent", resent_at=now)
            if updated:
                sandbox_event_emit(provider="registered_mail", event_type="registered_mail.resent",
                                   reference=mail.reference, occurred_at=now)
                count += 1
    return count


# ------------------------------------------------------------------------------- identity


class SandboxIdentityProvider:
    """The identification operator of development and tests: its page is the portal's own
    (``resiliation:identity_verify``), which shows the SMS code to type."""

    name = SANDBOX

    def identity_start(self, *, idempotency_key: str, holder_name: str, email: str,
                       mobile_phone: str) -> IdentityStart:
        sandbox_guard("RESILIATION_IDENTITY_PROVIDER")
        return IdentityStart(reference=f"idc_{idempotency_key}",
                             url=conf.base_url() + reverse("resiliation:identity_verify"))
