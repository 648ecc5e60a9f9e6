"""The termination letters a help request may concern (« Demande d'aide » → « Courrier ou
dossier concerné »): registered with the portal from ``ResiliationConfig.ready``."""

from __future__ import annotations

from portal.help import concern_kind_register


def letter_rows(user):
    from resiliation.selectors import letters_visible_to

    return letters_visible_to(user=user).order_by("-id")


def letter_label(letter) -> str:
    return f"n° {letter.pk} — {letter.subscriber_name}" + (f" ({letter.company_name})" if letter.company_name else "")


def register() -> None:
    concern_kind_register(kind="termination_letter", label="Lettre de résiliation", rows=letter_rows,
                          row_label=letter_label, url_name="resiliation:letter")
