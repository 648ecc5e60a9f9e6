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

from resiliation.rules import SITUATION_CHANGES  # the package's catalogue

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


def latest_send_date(contract: ContractDates) -> date | None:
    """The last send date that keeps the legal delay of the contract's reason (None: no delay).

    * Échéance principale (L113-12): received (the day after sending) two months before the due date;
    * Loi Châtel (L113-15-1): sent within 20 days of the due-date notice;
    * change of situation (L113-16): asked within three months of the event.
    """
    if contract.reason == "main_due_date" and contract.main_due_date:
        return add_months(contract.main_due_date, -2) - RECEIPT_DELAY
    if contract.reason == "chatel" and contract.notice_date:
        return contract.notice_date + timedelta(days=20)
    if contract.reason in SITUATION_CHANGES and contract.event_date:
        return add_months(contract.event_date, 3)
    return None


def contract_warnings(contract: ContractDates, send: date) -> list[str]:
    """Legal delays a letter sent on ``send`` would miss, in French (non-blocking)."""
    receipt = presumed_receipt(send)
    prefix = f"{contract.label} : " if contract.label else ""
    warnings: list[str] = []
    latest = latest_send_date(contract)
    missed = latest is not None and send > latest
    if contract.reason == "main_due_date" and missed:
        limit = add_months(contract.main_due_date, -2)
        warnings.append(
            f"{prefix}la lettre sera reçue le {receipt:%d/%m/%Y}, moins de deux mois avant l'échéance "
            f"principale du {contract.main_due_date:%d/%m/%Y} (reçue au plus tard le {limit:%d/%m/%Y}, "
            "article L113-12) : la résiliation risque de ne prendre effet qu'à l'échéance suivante."
        )
    if contract.reason == "chatel" and missed:
        warnings.append(
            f"{prefix}l'envoi le {send:%d/%m/%Y} dépasse le délai de 20 jours suivant l'avis d'échéance "
            f"du {contract.notice_date:%d/%m/%Y} (au plus tard le {latest:%d/%m/%Y}, loi Châtel, "
            "article L113-15-1)."
        )
    if contract.reason in SITUATION_CHANGES and contract.event_date:
        if missed:
            warnings.append(
                f"{prefix}la résiliation doit être demandée dans les trois mois suivant l'évènement du "
                f"{contract.event_date:%d/%m/%Y} (au plus tard le {latest:%d/%m/%Y}, article L113-16)."
            )
        if send < contract.event_date:
            warnings.append(f"{prefix}l'évènement du {contract.event_date:%d/%m/%Y} n'a pas encore eu lieu.")
    if contract.reason == "vehicle_sale" and contract.event_date and send < contract.event_date:
        warnings.append(
            f"{prefix}la vente du véhicule ({contract.event_date:%d/%m/%Y}) doit précéder l'envoi "
            "(article L121-11)."
        )
    return warnings


def main_due_date_effect(due: date, send: date) -> date:
    """The first principal due date (``due`` or one of its anniversaries) the letter still reaches
    two months ahead (L113-12)."""
    years = 0
    while presumed_receipt(send) > add_months(add_months(due, 12 * years), -2):
        years += 1
    return add_months(due, 12 * years)


def contract_effect_date(contract: ContractDates, send: date) -> date | None:
    """When the termination takes effect, where the law fixes it (None: the contract's terms)."""
    receipt = presumed_receipt(send)
    if contract.reason == "main_due_date":
        return main_due_date_effect(contract.main_due_date, send) if contract.main_due_date else None
    if contract.reason == "chatel":
        return send + ONE_DAY  # the day after the date of sending (L113-15-1)
    if contract.reason in SITUATION_CHANGES:
        return add_months(receipt, 1)
    if contract.reason == "vehicle_sale":
        return receipt + timedelta(days=10)
    if contract.reason in {"hamon", "health_ria"}:
        return add_months(receipt, 1)
    if contract.reason in {"withdrawal", "death_or_sale"}:
        return receipt
    return None


# ------------------------------------------------------------------------------ wording


def termination_clause(contract: ContractDates, *, send: date, reference: str,
                       new_contract_start: date | None = None) -> str:
    """The sentence of the letter that says, for one contract, under which article and from which
    date its termination takes effect (``reference``: ``rules.legal_reference``)."""
    effect = contract_effect_date(contract, send)
    under = f"Conformément à l'{reference}, " if reference else ""
    on = f", soit le {effect:%d/%m/%Y}" if effect else ""
    match contract.reason:
        case "main_due_date":
            return f"{under}cette résiliation prendra effet à l'échéance principale du contrat{on}."
        case "chatel":
            return (f"{under}cette résiliation prendra effet le lendemain de la date d'envoi de la présente "
                    f"lettre{on}.")
        case "hamon" | "health_ria":
            new_start = (f", le nouveau contrat prenant effet le {new_contract_start:%d/%m/%Y}"
                         if new_contract_start else "")
            return (f"{under}cette résiliation prendra effet un mois après la réception de la présente "
                    f"notification{on}{new_start}.")
        case "vehicle_sale":
            return (f"{under}cette résiliation prendra effet dix jours après la réception de la présente "
                    f"notification{on}.")
        case "withdrawal":
            return (f"{under}nous vous notifions la renonciation à ce contrat, à compter de la réception de la "
                    f"présente lettre{on}.")
        case "death_or_sale":
            return (f"{under}nous vous demandons la résiliation de ce contrat à compter de la réception de la "
                    f"présente lettre{on}.")
        case reason if reason in SITUATION_CHANGES:
            return (f"{under}cette résiliation prendra effet un mois après la réception de la présente "
                    f"notification{on}.")
        case _:
            return "Cette résiliation prendra effet dans les conditions prévues par le contrat."


# ------------------------------------------------------------------------ late dispatch


def late_dispatch_problems(contracts: list[ContractDates], *, planned: date, actual: date,
                           new_contract_start: date | None = None) -> list[str]:
    """What a letter planned for ``planned`` but leaving on ``actual`` (the sending job was late)
    no longer keeps, in French; empty when every legal date still holds.

    Only what the delay breaks counts: a delay the user had already accepted at confirmation
    (a warning then) does not hold the letter again."""
    if actual <= planned:
        return []
    problems: list[str] = []
    if new_contract_start is not None:
        earliest = hamon_earliest_start(actual)
        if earliest > new_contract_start and hamon_earliest_start(planned) <= new_contract_start:
            problems.append(
                f"la prise d'effet des nouveaux contrats le {new_contract_start:%d/%m/%Y} n'est plus possible : "
                f"pour un envoi le {actual:%d/%m/%Y}, le délai légal d'un mois la reporte au plus tôt au "
                f"{earliest:%d/%m/%Y}"
            )
    for contract in contracts:
        latest = latest_send_date(contract)
        if latest is not None and planned <= latest < actual:
            prefix = f"{contract.label} : " if contract.label else ""
            problems.append(f"{prefix}la date limite d'envoi du {latest:%d/%m/%Y} est dépassée "
                            f"({LIMIT_ARTICLES[contract.reason]})")
    return problems


LIMIT_ARTICLES = {"main_due_date": "deux mois avant l'échéance principale, article L113-12",
                  "chatel": "20 jours après l'avis d'échéance, article L113-15-1",
                  **dict.fromkeys(SITUATION_CHANGES, "trois mois après l'évènement, article L113-16")}


def signature_deadline(send: date) -> tuple[date, time]:
    """An e-signature not done by 20:00 on the send day cancels the sending."""
    return send, CUTOFF
