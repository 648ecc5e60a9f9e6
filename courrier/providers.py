"""What the portal needs from a postal provider (the insurer's print-and-post gateway: print shop
+ La Poste), its ``http`` implementation, and the configured one.

Two implementations: ``sandbox`` (``courrier.sandbox``: served by the portal itself, development
and tests only — refused where ``PORTAL_SANDBOX_PROVIDERS`` is false, see ``portal.providers``)
and ``http`` (``HttpPostalProvider``, below). Settings: ``COURRIER_POSTAL_PROVIDER`` = ``http``
with ``COURRIER_POSTAL_API_URL`` and ``COURRIER_POSTAL_API_KEY``; ``COURRIER_WEBHOOK_SECRET``
signs the provider's webhooks (``manage.py check``: ``courrier.E001`` to ``E004``).

The gateway protocol (``http``)
--------------------------------
Requests go to ``<API_URL><path>`` with ``Authorization: Bearer <API_KEY>`` and
``Accept: application/json``; bodies are JSON (``Content-Type: application/json``), the PDF
travels base64-encoded. A submission carrying ``Idempotency-Key: envelope-<id>`` answers the same
item when the key comes again (an envelope is never printed twice). Any answer other than 2xx, a
timeout (5 s to connect, 30 s to answer), a redirection or an unreadable body is a failure: the
Celery task retries it. References are strings of at most 80 characters::

    POST /mail-items                  Idempotency-Key: envelope-<id>
      {"client_reference": "envelope-<id>",
       "mode": "ecopli" | "lettre_verte" | "lettre_suivie" | "recommande" | "recommande_ar",
       "handover_date": "2026-03-02",              (the day La Poste takes it: the 10:30 collection)
       "recipient": {"address_lines": ["SARL DUPOND", "1 rue des Fleurs", "38000 GRENOBLE"]},
       "sender": {"address_lines": ["…"]} | null,  (required for lettre suivie and recommandés)
       "document": {"name": "envelope-<id>.pdf", "content": "<base64 PDF>", "sha256": "<hex>",
                    "pages": 3},                   (the exact print-ready PDF, address page first)
       "print": {"sheets": 2, "colour": true, "duplex": true,
                 "staples": [[3, 5]]},             (page ranges of the PDF stapled, 1-based, inclusive)
       "webhook_url": "<portal>/courriers/webhooks/http/"}
      → 201 {"reference": "<the item's reference>"}
    GET /mail-items/<reference>/proofs/deposit          → 200 application/pdf (preuve de dépôt)
    GET /mail-items/<reference>/proofs/acknowledgement  → 200 application/pdf (avis de réception,
                                                          recommandé avec AR once delivered)

Webhooks (the provider calls the portal back)
---------------------------------------------
``POST <portal>/courriers/webhooks/<provider>/`` (``http``; ``sandbox`` for the sandbox), body a
JSON object ``{"id": "<unique event id, ≤ 255 characters>", "type": "<type>", "reference":
"<the item's reference, as answered to the submission>", "occurred_at": "<ISO 8601 with its
offset>", "data": {}}``, header ``X-Webhook-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256(COURRIER_WEBHOOK_SECRET, "<t>." + body)>`` (``portal.webhooks``). Types:

* ``mail.posted`` — handed to La Poste (``data.tracking_number`` for the tracked modes);
* ``mail.in_transit``, ``mail.notified`` (avisé / non réclamé), ``mail.delivered``,
  ``mail.returned`` — La Poste's tracking.

An event applies only to an envelope handed over to the provider whose endpoint receives it (the
provider's name is recorded at hand-over), found by the reference that provider answered to its
submission (``data.client_reference`` is informative: it never finds an envelope). Answers: 200
``applied``, ``ignored`` (late: a more advanced state is known) or ``duplicate`` (that id was
received before); 400 refused (bad signature, old timestamp, unreadable or over-long event —
do not retry); 409 envelope not known yet (the answer to its submission is still on its way —
retry later); 404 the endpoint of a provider that is not the configured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.urls import reverse

from courrier import conf
from portal.pdf import sha256_hex
from portal.providers import (
    HTTP,
    SANDBOX,
    HttpGateway,
    document_json,
    gateway_from_settings,
    path_segment,
    provider_choice,
    sandboxes_allowed,
)

SETTING = "COURRIER_POSTAL_PROVIDER"
PROOF_KINDS = ("deposit", "acknowledgement")


@dataclass(frozen=True)
class PostalSubmission:
    client_reference: str  # ``envelope-<id>``: the same key is never posted twice
    mode: str
    handover_date: date
    recipient: tuple[str, ...]  # the lines of the address, name first, "38000 GRENOBLE" last
    sender: tuple[str, ...]  # empty for écopli / lettre verte without a typed sender
    print_pdf: bytes  # the exact print-ready PDF
    pages: int
    sheets: int
    colour: bool
    duplex: bool
    staples: tuple[tuple[int, int], ...]  # page ranges of the print PDF stapled together


class PostalProvider(Protocol):
    name: str

    def envelope_submit(self, submission: PostalSubmission) -> str:
        """Hand an envelope over; returns the provider's reference (same key → same reference)."""
        ...

    def proof_document(self, *, reference: str, kind: str) -> bytes:
        """The deposit proof (``deposit``) or the acknowledgement of receipt (``acknowledgement``) PDF."""
        ...


class HttpPostalProvider:
    """The insurer's print-and-post gateway (protocol above)."""

    name = HTTP

    def __init__(self, gateway: HttpGateway | None = None) -> None:
        self.gateway = gateway or gateway_from_settings(
            url_setting="COURRIER_POSTAL_API_URL", key_setting="COURRIER_POSTAL_API_KEY",
            service="Le service d'impression et d'envoi postal")

    def envelope_submit(self, submission: PostalSubmission) -> str:
        from courrier.models import Envelope

        answer = self.gateway.post_json("/mail-items", {
            "client_reference": submission.client_reference,
            "mode": submission.mode,
            "handover_date": submission.handover_date.isoformat(),
            "recipient": {"address_lines": list(submission.recipient)},
            "sender": {"address_lines": list(submission.sender)} if submission.sender else None,
            "document": {**document_json(f"{submission.client_reference}.pdf", submission.print_pdf),
                         "sha256": sha256_hex(submission.print_pdf), "pages": submission.pages},
            "print": {"sheets": submission.sheets, "colour": submission.colour, "duplex": submission.duplex,
                      "staples": [list(pages) for pages in submission.staples]},
            "webhook_url": conf.base_url() + reverse("courrier:webhook", args=[self.name]),
        }, idempotency_key=submission.client_reference)
        return self.gateway.text(answer, "reference",
                                 max_length=Envelope._meta.get_field("provider_reference").max_length)

    def proof_document(self, *, reference: str, kind: str) -> bytes:
        if kind not in PROOF_KINDS:
            raise ValueError(f"unknown proof kind: {kind}")
        return self.gateway.get_pdf(f"/mail-items/{path_segment(reference)}/proofs/{kind}")


def postal_provider(name: str | None = None) -> PostalProvider:
    """The configured provider, or with ``name`` the one an envelope was handed to (its proofs
    come from it). The sandbox is refused where sandboxes may not run (production)."""
    if provider_choice(SETTING, name) == SANDBOX:
        from courrier.sandbox.provider import SandboxPostalProvider

        return SandboxPostalProvider()
    return HttpPostalProvider()


def webhook_open(provider: str) -> bool:
    """Whether ``/courriers/webhooks/<provider>/`` takes deliveries: the configured provider's
    endpoint only, the sandbox's only where sandboxes may run."""
    return provider == conf.postal_provider_name() and (provider == HTTP or
                                                        (provider == SANDBOX and sandboxes_allowed()))
