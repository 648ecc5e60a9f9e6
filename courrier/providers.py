"""What the portal needs from a postal provider (print shop + La Poste), and the configured one.

A real provider (a "courrier hybride" service over HTTP) implements ``envelope_submit`` and
``proof_document`` and calls the portal back through webhooks signed with HMAC-SHA256
(``portal.webhooks``, endpoint ``courrier:webhook``). Events, each with a unique ``id``, the
provider's ``reference``, ``occurred_at`` and ``data.client_reference`` (our key):

* ``mail.posted`` — handed to La Poste (``data.tracking_number`` for tracked modes);
* ``mail.in_transit``, ``mail.notified`` (avisé / non réclamé), ``mail.delivered``,
  ``mail.returned`` — La Poste's tracking.

Setting ``COURRIER_POSTAL_PROVIDER`` (default ``sandbox``, see ``courrier.sandbox``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from courrier import conf


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


def postal_provider() -> PostalProvider:
    name = conf.postal_provider_name()
    if name == "sandbox":
        from courrier.sandbox.provider import SandboxPostalProvider

        return SandboxPostalProvider()
    raise LookupError(f"Prestataire postal inconnu : {name}")
