"""The paper-mail envelopes a help request may concern: registered with the portal from
``CourrierConfig.ready``."""

from __future__ import annotations

from portal.help import concern_kind_register


def envelope_rows(user):
    from courrier.selectors import envelopes_visible_to

    return envelopes_visible_to(user=user).order_by("-created_at", "-id")


def envelope_label(envelope) -> str:
    recipient = envelope.recipient_name or "destinataire à préciser"
    return f"courrier n° {envelope.number} — {recipient} ({envelope.get_mode_display()}, {envelope.get_status_display()})"


def register() -> None:
    concern_kind_register(kind="courrier_envelope", label="Courrier papier", rows=envelope_rows,
                          row_label=envelope_label)
