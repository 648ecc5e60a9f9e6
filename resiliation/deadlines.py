"""The legal date engine of termination letters (SPEC §5). Pure Python, no Django import.

Delays of the Code des assurances count in calendar months and days: one month after 31
January is the last day of February (28 or 29), as ``add_months`` does. A registered
electronic letter is presumed received the day after it is sent.

* Loi Hamon / RIA (L113-15-2): the termination takes effect one month after the insurer
  receives the notice. We add one safety day: the new contract may start on
  ``add_months(send + 1 day, 1) + 1 day`` at the earliest. The seed's example: a start on
  23/07/2021 gives a send on 21/06/2021 (received 22/06, one month → 22/07, safety → 23/07).
* Échéance principale (L113-12): the letter must be received two months before the due date.
* Loi Châtel (L113-15-1): 20 days after the due-date notice was sent.
* Change of situation (L113-16): within three months of the event; effect one month after
  the notification is received.
* Vehicle sale (L121-11): ten days' notice after receipt.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

ONE_DAY = timedelta(days=1)
CUTOFF = time(20, 0)  # same-day sending until 20:00 Europe/Paris, every day
RECEIPT_DELAY = ONE_DAY
SAFETY_DELAY = ONE_DAY


def add_months(day: date, months: int) -> date:
    """Calendar months; the day is clamped to the end of a shorter month (31/01 + 1 → 28 or 29/02)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def presumed_receipt(send: date) -> date:
    return send + RECEIPT_DELAY


def hamon_earliest_start(send: date) -> date:
    """The earliest start of the new contract for a letter sent on ``send`` (Hamon / RIA)."""
    return add_months(presumed_receipt(send), 1) + SAFETY_DELAY


def hamon_send_date(start: date) -> date:
    """The latest send date whose earliest start is on or before ``start``."""
    candidate = add_months(start - SAFETY_DELAY, -1) - RECEIPT_DELAY
    while hamon_earliest_start(candidate + ONE_DAY) <= start:
        candidate += ONE_DAY
    while hamon_earliest_start(candidate) > start:
        candidate -= ONE_DAY
    return candidate


def earliest_send_date(now: datetime) -> date:
    """Today before 20:00 (Europe/Paris wall clock, every day of the week), else tomorrow."""
    return now.date() if now.time() < CUTOFF else now.date() + ONE_DAY


def send_date_error(send: date, now: datetime) -> str | None:
    """Why a send date cannot be chosen at ``now`` (French), or None."""
    earliest = earliest_send_date(now)
    if send < earliest:
        if send == now.date():
            return "Il est plus de 20 h 00 : l'envoi le jour même n'est plus possible, choisissez demain au plus tôt."
        return f"La date d'envoi ne peut pas être antérieure au {earliest:%d/%m/%Y}."
    return None


@dataclass(frozen=True)
class HamonPlan:
    start: date
    send: date
    error: str | None = None


def hamon_plan(*, start: date | None, now: datetime) -> HamonPlan:
    """The send date for a chosen start, or the earliest start (« Au plus tôt ») when None."""
    earliest = earliest_send_date(now)
    if start is None:
        return HamonPlan(start=hamon_earliest_start(earliest), send=earliest)
    send = hamon_send_date(start)
    if send < earliest:
        return HamonPlan(
            start=start,
            send=earliest,
            error=(f"La prise d'effet du {start:%d/%m/%Y} est trop proche : au plus tôt le "
                   f"{hamon_earliest_start(earliest):%d/%m/%Y} pour un envoi le {earliest:%d/%m/%Y}."),
        )
    return HamonPlan(start=start, send=send)


# ----------------------------------------------------------------------------- warnings


@dataclass(frozen=True)
class ContractDates:
    """The dates of one contract the warnings need (all optional)."""

    reason: str
    label: str = ""
    main_due_date: date | None = None
    notice_date: date | None = None
    event_date: date | None = None


def contract_warnings(contract: ContractDates, send: date) -> list[str]:
    """Legal delays a letter sent on ``send`` would miss, in French (non-blocking)."""
    receipt = presumed_receipt(send)
    prefix = f"{contract.label} : " if contract.label else ""
    warnings: list[str] = []
    if contract.reason == "main_due_date" and contract.main_due_date:
        limit = add_months(contract.main_due_date, -2)
        if receipt > limit:
            warnings.append(
                f"{prefix}la lettre sera reçue le {receipt:%d/%m/%Y}, moins de deux mois avant l'échéance "
                f"principale du {contract.main_due_date:%d/%m/%Y} (reçue au plus tard le {limit:%d/%m/%Y}, "
                "article L113-12) : la résiliation risque de ne prendre effet qu'à l'échéance suivante."
            )
    if contract.reason == "chatel" and contract.notice_date:
        limit = contract.notice_date + timedelta(days=20)
        if send > limit:
            warnings.append(
                f"{prefix}l'envoi le {send:%d/%m/%Y} dépasse le délai de 20 jours suivant l'avis d'échéance "
                f"du {contract.notice_date:%d/%m/%Y} (au plus tard le {limit:%d/%m/%Y}, loi Châtel, "
                "article L113-15-1)."
            )
    situation = {"change_of_address", "matrimonial_regime", "marital_status", "professional_situation"}
    if contract.reason in situation and contract.event_date:
        limit = add_months(contract.event_date, 3)
        if send > limit:
            warnings.append(
                f"{prefix}la résiliation doit être demandée dans les trois mois suivant l'évènement du "
                f"{contract.event_date:%d/%m/%Y} (au plus tard le {limit:%d/%m/%Y}, article L113-16)."
            )
        if send < contract.event_date:
            warnings.append(f"{prefix}l'évènement du {contract.event_date:%d/%m/%Y} n'a pas encore eu lieu.")
    if contract.reason == "vehicle_sale" and contract.event_date and send < contract.event_date:
        warnings.append(
            f"{prefix}la vente du véhicule ({contract.event_date:%d/%m/%Y}) doit précéder l'envoi "
            "(article L121-11)."
        )
    return warnings


def contract_effect_date(contract: ContractDates, send: date) -> date | None:
    """When the termination takes effect, where the law fixes it (shown on the confirmation)."""
    receipt = presumed_receipt(send)
    if contract.reason == "main_due_date":
        return contract.main_due_date
    if contract.reason == "chatel":
        return send + ONE_DAY
    if contract.reason in {"change_of_address", "matrimonial_regime", "marital_status", "professional_situation"}:
        return add_months(receipt, 1)
    if contract.reason == "vehicle_sale":
        return receipt + timedelta(days=10)
    if contract.reason in {"hamon", "health_ria"}:
        return add_months(receipt, 1)
    return None


def signature_deadline(send: date) -> tuple[date, time]:
    """An e-signature not done by 20:00 on the send day cancels the sending."""
    return send, CUTOFF
