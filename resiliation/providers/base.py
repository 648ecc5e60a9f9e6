"""What the portal needs from an e-signature provider and a registered e-mail provider.

A real provider (Universign, an LRE operator…) implements these methods over its HTTP API and
calls the portal back through webhooks signed with HMAC-SHA256 (``resiliation.webhooks``).
Events: ``signature.opened|signed|refused|expired`` and ``registered_mail.deposited|
signed|collected|resent``, each with a unique ``id``, the object ``reference`` and
``occurred_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SignatureStart:
    reference: str
    url: str  # where the signer signs (sent by e-mail, or opened in person)


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
