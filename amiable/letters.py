"""Rendering the letters of the cycle amiable (WeasyPrint), once, outside any transaction.

A letter row is written by the daily run with everything it says frozen (its figures and its
content: see ``Letter``); this module renders its PDF from that row alone — it reads no case,
member, policy, premium call or organisation — and stores it with its SHA-256. A letter
already rendered is never rendered again, so what was issued stays exactly what can be
downloaded.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from amiable import rules
from amiable.models import Letter, LetterKind
from portal import pdf

TEMPLATES = {
    LetterKind.REMINDER: "amiable/letters/reminder.html",
    LetterKind.FORMAL_NOTICE: "amiable/letters/formal_notice.html",
    LetterKind.SUSPENSION: "amiable/letters/suspension.html",
    LetterKind.TERMINATION: "amiable/letters/termination.html",
    LetterKind.REINSTATEMENT: "amiable/letters/reinstatement.html",
}

# Art. L113-3 of the Code des assurances, reproduced in every formal notice (art. R113-1).
L113_3 = [
    "La prime ou fraction de prime est payable au domicile de l'assureur ou du mandataire désigné par lui à "
    "cet effet. Toutefois, la prime peut être payable au domicile de l'assuré ou à tout autre lieu convenu dans "
    "les cas et conditions limitativement fixés par décret en Conseil d'État.",
    "À défaut de paiement d'une prime, ou d'une fraction de prime, dans les dix jours de son échéance, et "
    "indépendamment du droit pour l'assureur de poursuivre l'exécution du contrat en justice, la garantie ne "
    "peut être suspendue que trente jours après la mise en demeure de l'assuré. Au cas où la prime annuelle a "
    "été fractionnée, la suspension de la garantie, intervenue en cas de non-paiement d'une des fractions de "
    "prime, produit ses effets jusqu'à l'expiration de la période annuelle considérée. La prime ou fraction de "
    "prime est portable dans tous les cas, après la mise en demeure de l'assuré.",
    "L'assureur a le droit de résilier le contrat dix jours après l'expiration du délai de trente jours "
    "mentionné au deuxième alinéa du présent article.",
    "Le contrat non résilié reprend pour l'avenir ses effets, à midi le lendemain du jour où ont été payés à "
    "l'assureur ou au mandataire désigné par lui à cet effet, la prime arriérée ou, en cas de fractionnement de "
    "la prime annuelle, les fractions de prime ayant fait l'objet de la mise en demeure et celles venues à "
    "échéance pendant la période de suspension ainsi que, éventuellement, les frais de poursuites et de "
    "recouvrement.",
    "Les dispositions des alinéas 2 à 4 du présent article ne sont pas applicables aux assurances sur la vie.",
]


def recovery_indemnity() -> Decimal | None:
    """The fixed recovery indemnity (art. D441-5 Code de commerce), when the setting turns it on."""
    if not settings.AMIABLE_RECOVERY_INDEMNITY_ENABLED:
        return None
    return Decimal(settings.AMIABLE_RECOVERY_INDEMNITY)


def _lines(address: str) -> list[str]:
    return [line for line in address.split("\n") if line]


def letter_context(letter: Letter) -> dict:
    """What the letter says, from its own row only: never from the live member, policy,
    premium call or organisation rows, which may have changed since it was issued."""
    broker = None
    if letter.broker_orias:
        broker = {"name": letter.broker_name, "orias": letter.broker_orias,
                  "signature_name": letter.broker_signature_name, "address_lines": _lines(letter.broker_address)}
    member = {"member_number": letter.member_number, "company_name": letter.member_name,
              "address_lines": _lines(letter.member_address)}
    return {
        "letter": letter,
        "insurer_name": letter.insurer_name,
        "insurer_address": _lines(letter.insurer_address),
        "case": {"broker_manages": letter.broker_manages, "reminder_date": letter.reminder_date,
                 "formal_notice_date": letter.formal_notice_date, "suspension_date": letter.suspension_date,
                 "termination_date": letter.termination_date},
        "premium_call": {"reference": letter.premium_call_reference, "due_date": letter.premium_call_due_date,
                         "amount": letter.premium_call_amount},
        "policy": {"number": letter.policy_number},
        "member": member,
        "broker": broker,
        "letter_date": letter.letter_date,
        "recipient_lines": [letter.member_name, *member["address_lines"]],
        "reinstatement_at": (
            rules.reinstatement_effective(paid_on=letter.effective_date) if letter.effective_date else None
        ),
        "l113_3": L113_3,
        "recovery_indemnity": letter.recovery_indemnity,
    }


def letter_html(letter: Letter) -> str:
    return pdf.html_render(template_name=TEMPLATES[LetterKind(letter.kind)], context=letter_context(letter))


def letter_render(*, letter_id: int) -> bool:
    """Render and keep the PDF of a letter if it has none yet. True when this call stored it.

    Reads the letter row only: what was issued is what is rendered."""
    letter = Letter.objects.get(id=letter_id)
    if letter.document_id:
        return False
    content = pdf.pdf_from_html(letter_html(letter))  # outside any transaction (pdf refuses otherwise)
    name = f"{LetterKind(letter.kind).value}-{letter.policy_number}-{letter.letter_date:%Y%m%d}.pdf"
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(id=letter_id)
        if locked.document_id:  # another worker was faster: keep its PDF, the one issued
            return False
        locked.document = pdf.document_store(content=content, name=name, content_type="application/pdf")
        locked.save(update_fields=["document"])
    return True
