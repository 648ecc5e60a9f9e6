"""The PDFs of a letter (the termination letter, the pre-filled mandate) and uploaded files.

Rendering never happens inside a database transaction (``portal.pdf`` refuses): callers read
what they need, render, then store in a short transaction.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from portal import uploads
from portal.pdf import pdf_render
from resiliation import conf, rules
from resiliation.models import LetterStatus, SenderMode, TerminationLetter
from resiliation.rules import dates

# Uploads are checked by the platform (size, and type read from the content).
PDF_AND_IMAGES = {**uploads.PDF, "image/jpeg": "JPEG", "image/png": "PNG"}
ATTACHMENT_TYPES = {**uploads.PDF, **uploads.IMAGES}


def sender_block(letter: TerminationLetter) -> dict:
    if letter.sender_mode == SenderMode.PLATFORM:
        address = settings.PORTAL_INSURER_ADDRESS
        return {"name": conf.platform_name(), "lines": address, "orias": "",
                "city": address[-1].split(" ", 1)[-1] if address else ""}
    letterhead = letter.organisation.letterhead  # « Entête des lettres » (Mon compte)
    return {"name": letterhead["name"], "lines": letterhead["lines"], "orias": letterhead["orias"],
            "city": letter.organisation.city}


def letter_context(letter: TerminationLetter, *, letter_date: date, contracts=None) -> dict:
    """Everything the letter template needs, read once (the caller may prefetch)."""
    contracts = list(contracts if contracts is not None else letter.contracts.all())
    reasons = [c.reason for c in contracts]
    mode = rules.letter_mode(reasons) if contracts else None
    reply_to = letter.organisation.email or letter.created_by.email
    insurer_kind = letter.insurer.kind if letter.insurer else rules.InsurerKind.COMPANY
    # Each contract's own article and effective date, for a letter leaving on ``letter_date``.
    clauses = [dates.termination_clause(c.legal_dates, send=letter_date,
                                            reference=rules.legal_reference(c.reason, insurer_kind),
                                            new_contract_start=letter.new_contract_start) for c in contracts]
    return {
        "letter": letter,
        "contracts": contracts,
        "contract_rows": [{"contract": contract, "clause": clause,
                           "vehicle": rules.contract_type(contract.contract_type).vehicle}
                          for contract, clause in zip(contracts, clauses, strict=True)],
        "sender": sender_block(letter),
        "place": sender_block(letter)["city"] or letter.city.title(),
        "insurer": letter.insurer,
        "letter_date": letter_date,
        "hamon": mode == rules.DateMode.NEW_CONTRACT_START,
        "reply_to": letter.email if letter.sender_mode == SenderMode.PLATFORM else reply_to,
        "mandate_attached": letter.mandate_choice not in ("", "not_attached") or letter.sender_mode == "platform",
        "draft": letter.status == LetterStatus.DRAFT,
    }


def letter_pdf(letter: TerminationLetter, *, letter_date: date, contracts=None) -> bytes:
    return pdf_render(template_name="resiliation/pdf/letter.html",
                      context=letter_context(letter, letter_date=letter_date, contracts=contracts))


def mandate_pdf(letter: TerminationLetter, *, letter_date: date, contracts=None) -> bytes:
    context = letter_context(letter, letter_date=letter_date, contracts=contracts)
    return pdf_render(template_name="resiliation/pdf/mandate.html", context=context)
