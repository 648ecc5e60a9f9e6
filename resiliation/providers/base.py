"""What the portal needs from an e-signature provider, a registered e-mail (LRE) provider and an
eIDAS identity provider, and the HTTP protocol their real implementations speak.

Two implementations of each interface: ``sandbox`` (``resiliation.sandbox``: served
by the portal itself, development and tests only) and ``http`` (``resiliation.providers.http``:
the provider's gateway). Settings: ``RESILIATION_<KIND>_PROVIDER`` = ``http`` with
``RESILIATION_<KIND>_API_URL`` and ``RESILIATION_<KIND>_API_KEY``, KIND being ``SIGNATURE``,
``REGISTERED_MAIL`` or ``IDENTITY``; ``RESILIATION_WEBHOOK_SECRET`` signs their webhooks.

The gateway protocol (``http``)
--------------------------------
Requests go to ``<API_URL><path>`` with ``Authorization: Bearer <API_KEY>`` and
``Accept: application/json``; bodies are JSON (``Content-Type: application/json``), documents
travel base64-encoded. A creation carrying ``Idempotency-Key: <key>`` answers the same object
when the key comes again (never a second letter, a second identity check). Any answer other than
2xx, a timeout (5 s to connect, 30 s to answer) or an unreadable body is a failure: the page says
the service does not answer, the Celery task retries. References are strings of at most 80
characters; ``url`` values are https addresses.

E-signature (``RESILIATION_SIGNATURE_*``)::

    POST /signatures
      {"document": {"name": "Mandat_Resiliation.pdf", "content": "<base64 PDF>"},
       "signer": {"name": "Dupont Jean", "email": "…", "mobile_phone": "06 12 34 56 78"},
       "expires_at": "2026-03-02T20:00:00+01:00", "webhook_url": "<portal>/resiliations/webhooks/signature/"}
      → 201 {"reference": "sig_…", "url": "https://… (where the signer signs)"}
    POST /signatures/<reference>/cancel                 → 2xx
    GET  /signatures/<reference>/signed-document        → 200 application/pdf (the signed mandate)

Registered e-mail (``RESILIATION_REGISTERED_MAIL_*``)::

    POST /registered-letters          Idempotency-Key: letter-<id>
      {"client_reference": "letter-<id>", "sender": {"name": "…"},
       "recipient": {"name": "MAAF ASSURANCES", "address_lines": ["…", "79000 NIORT"]},
       "with_acknowledgement": true, "qualified": false,
       "documents": [{"name": "Lettre_resiliation_12.pdf", "content": "<base64 PDF>"}, …],
       "webhook_url": "<portal>/resiliations/webhooks/registered_mail/"}
      → 201 {"reference": "lre_…"}
    GET  /registered-letters/<reference>/proofs/deposit          → 200 application/pdf (avis de dépôt)
    GET  /registered-letters/<reference>/proofs/acknowledgement  → 200 application/pdf (accusé de réception)

Identity (``RESILIATION_IDENTITY_*``)::

    POST /identity-checks             Idempotency-Key: identity-<id>
      {"client_reference": "identity-<id>",
       "holder": {"name": "…", "email": "…", "mobile_phone": "…"},
       "return_url": "<portal>/resiliations/identite/",
       "webhook_url": "<portal>/resiliations/webhooks/identity/"}
      → 201 {"reference": "idc_…", "url": "https://… (the operator's identification page)"}

Webhooks (the provider calls the portal back)
---------------------------------------------
``POST <portal>/resiliations/webhooks/<kind>/`` (kind: ``signature``, ``registered_mail``,
``identity``), body a JSON object ``{"id": "<unique event id, ≤ 255 characters>",
"type": "<type>", "reference": "<the object's reference, as answered at creation>",
"occurred_at": "<ISO 8601 with its offset>", "data": {}}``, header
``X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(RESILIATION_WEBHOOK_SECRET,
"<t>." + body)>`` (``resiliation.webhooks``). Types: ``signature.opened|signed|refused|
expired``, ``registered_mail.deposited|signed|collected|resent``, ``identity.verified|failed``.
An event applies only to an object created at the provider the portal is configured with for
that kind, found by the reference the provider answered at creation. Answers: 200 ``applied``,
``ignored`` (late: a more advanced state is known) or ``duplicate`` (that id was received
before); 400 refused (bad signature, old timestamp, unreadable or over-long event — do not
retry); 409 object not known yet (the answer to its creation is still on its way — retry later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SignatureStart:
    reference: str
    url: str  # where the signer signs (sent by e-mail, or opened in person)


@dataclass(frozen=True)
class IdentityStart:
    reference: str
    url: str  # where the account holder is identified by the operator


class SignatureProvider(Protocol):
    name: str

    def signature_start(self, *, document: bytes, document_name: str, signer_name: str, email: str,
                        mobile_phone: str, expires_at: datetime) -> SignatureStart: ...

    def signature_cancel(self, *, reference: str) -> None: ...

    def signed_document(self, *, reference: str) -> bytes: ...


class RegisteredMailProvider(Protocol):
    name: str

    def registered_send(self, *, idempotency_key: str, sender_name: str, recipient_name: str,
                        recipient_lines: list[str], with_acknowledgement: bool, qualified: bool,
                        documents: list[tuple[str, bytes]]) -> str:
        """Submit a letter; the same key returns the same reference (never sent twice)."""
        ...

    def proof_document(self, *, reference: str, kind: str) -> bytes:
        """The deposit notice (``deposit``) or acknowledgement (``acknowledgement``) PDF."""
        ...


class IdentityProvider(Protocol):
    name: str

    def identity_start(self, *, idempotency_key: str, holder_name: str, email: str,
                       mobile_phone: str) -> IdentityStart:
        """Open an identification of the account holder; the same key returns the same one."""
        ...
