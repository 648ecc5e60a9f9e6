"""Pure rules of the paper-mail service (SPEC §6, seed 001 §8): no Django import.

* **Hand-over date** (date de prise en charge par La Poste): "Envoyer maintenant" validated
  before 10:30 Europe/Paris on a business day → that day; at or after 10:30, or on a
  non-business day → the next business day. "Programmer l'envoi": a date from tomorrow on,
  handed over that day, or on the next business day when it is not one.
* **Change and cancel**: a scheduled envelope may change its date or be cancelled until the
  eve of its scheduled date; "Envoyer maintenant" is final.
* **Sheets**: Σ per document ⌈pages / 2⌉ in duplex (each document starts on a new sheet), its
  pages otherwise, plus one sheet for an address page; 1 to 95 sheets per envelope.
* **Modes** and their delivery promise (La Poste CGV, metropolitan France).

Every function takes the calendar and the moment as arguments (``portal.businessdays``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

HANDOVER_CUTOFF = time(10, 30)  # Europe/Paris wall time
MAX_SHEETS = 95
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_SCHEDULE_DAYS = 365
CONTENT_RETENTION_DAYS = 14  # after posting
DRAFT_RETENTION_DAYS = 30  # drafts never sent (and cancelled envelopes)
STAPLE_MIN_PAGES = 3
ADDRESS_LINE_MAX = 38
ADDRESS_LINES_MAX = 4
NAME_MAX = 38
CITY_MAX = 32
POSTAL_CODE = re.compile(r"^\d{5}$")
TRACKING_URL = "https://www.laposte.fr/outils/suivre-vos-envois?code={number}"


class Mode(StrEnum):
    ECOPLI = "ecopli"
    LETTRE_VERTE = "lettre_verte"
    LETTRE_SUIVIE = "lettre_suivie"
    RECOMMANDE = "recommande"
    RECOMMANDE_AR = "recommande_ar"


# "Le délai maximal d'acheminement … est calculé à compter de la transmission … à la Poste."
DELIVERY_PROMISE = {
    Mode.ECOPLI: "J+4",
    Mode.LETTRE_VERTE: "J+2",
    Mode.LETTRE_SUIVIE: "48 heures",
    Mode.RECOMMANDE: "48 heures",
    Mode.RECOMMANDE_AR: "48 heures",
}
DELIVERY_BUSINESS_DAYS = {Mode.ECOPLI: 4, Mode.LETTRE_VERTE: 2, Mode.LETTRE_SUIVIE: 2, Mode.RECOMMANDE: 2,
                          Mode.RECOMMANDE_AR: 2}
# Modes followed by La Poste (tracking number, events): the recipient and the sender are typed.
TRACKED_MODES = frozenset({Mode.LETTRE_SUIVIE, Mode.RECOMMANDE, Mode.RECOMMANDE_AR})
# Modes where the recipient may be read in the window of the first document.
WINDOW_MODES = frozenset({Mode.ECOPLI, Mode.LETTRE_VERTE})
REGISTERED_MODES = frozenset({Mode.RECOMMANDE, Mode.RECOMMANDE_AR})


class Calendar(Protocol):
    def is_business_day(self, day: date) -> bool: ...

    def add_business_days(self, day: date, count: int) -> date: ...

    def next_business_day_on_or_after(self, day: date) -> date: ...


# ------------------------------------------------------------------------------ hand-over


def handover_date(*, validated_at: datetime, send_on: date | None, calendar: Calendar) -> date:
    """The day La Poste takes the envelope. ``validated_at`` is Europe/Paris wall time;
    ``send_on`` None means "Envoyer maintenant"."""
    if send_on is not None:
        return calendar.next_business_day_on_or_after(send_on)
    today = validated_at.date()
    if calendar.is_business_day(today) and validated_at.time() < HANDOVER_CUTOFF:
        return today
    return calendar.add_business_days(today, 1)


def handover_moved(*, send_on: date, calendar: Calendar) -> bool:
    """True when a scheduled date is not a business day (the screen says the envelope leaves
    on the next business day)."""
    return not calendar.is_business_day(send_on)


def send_on_error(*, send_on: date, today: date) -> str | None:
    """"Programmer l'envoi": from tomorrow on, within a year."""
    if send_on <= today:
        return "La date d'envoi programmée doit être postérieure à aujourd'hui (au plus tôt demain)."
    if send_on > today + timedelta(days=MAX_SCHEDULE_DAYS):
        return "La date d'envoi programmée ne peut pas dépasser un an."
    return None


def may_change(*, send_on: date | None, today: date) -> bool:
    """A scheduled date may be changed, or the envelope cancelled, until the eve of ``send_on``;
    never after "Envoyer maintenant" (no ``send_on``)."""
    return send_on is not None and today < send_on


def handover_due_through(*, now: datetime, calendar: Calendar) -> date | None:
    """Envelopes whose hand-over date is on or before this day are handed over at ``now``:
    today's once 10:30 has struck, otherwise only earlier ones (a missed run catches up).
    None on a non-business day: La Poste takes nothing that day."""
    if not calendar.is_business_day(now.date()):
        return None
    if now.time() >= HANDOVER_CUTOFF:
        return now.date()
    return now.date() - timedelta(days=1)


def delivery_expected(*, handover: date, mode: str, calendar: Calendar) -> date:
    """The latest delivery day promised, counted in business days from the hand-over."""
    return calendar.add_business_days(handover, DELIVERY_BUSINESS_DAYS[Mode(mode)])


# --------------------------------------------------------------------------------- sheets


def document_sheets(*, pages: int, duplex: bool) -> int:
    return math.ceil(pages / 2) if duplex else pages


def sheets_count(*, pages: Iterable[int], duplex: bool, address_page: bool) -> int:
    """Σ per document ⌈pages/2⌉ in duplex, else pages, + 1 for an address page."""
    return sum(document_sheets(pages=count, duplex=duplex) for count in pages) + (1 if address_page else 0)


def sheets_error(sheets: int) -> str | None:
    if sheets > MAX_SHEETS:
        return f"Un pli contient au plus {MAX_SHEETS} feuilles : celui-ci en compterait {sheets}."
    if sheets < 1:
        return "Ajoutez au moins un document."
    return None


def stapled(*, pages: Sequence[int], staple: bool) -> list[bool]:
    """"Agrafer tout": each document of at least 3 pages is stapled on its own."""
    return [staple and count >= STAPLE_MIN_PAGES for count in pages]


def staple_ranges(*, pages: Sequence[int], duplex: bool, address_page: bool, staple: bool) -> list[tuple[int, int]]:
    """The pages of the print-ready PDF stapled together, 1-based and inclusive: one range per
    stapled document. Parts follow each other (address page first); in duplex a part with an
    odd page count is followed by a blank back page, so every part starts on a new sheet."""
    ranges = []
    position = 1
    if address_page:
        position += 2 if duplex else 1
    for count, stapled_document in zip(pages, stapled(pages=pages, staple=staple), strict=True):
        if stapled_document:
            ranges.append((position, position + count - 1))
        position += count + (1 if duplex and count % 2 else 0)
    return ranges


def uses_address_page(*, mode: str, recipient_from_document: bool) -> bool:
    """A typed recipient (always for tracked modes) adds the address page in front."""
    return Mode(mode) in TRACKED_MODES or not recipient_from_document


# ------------------------------------------------------------------------------ addresses


@dataclass(frozen=True)
class AddressInput:
    name: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str


def address_errors(address: AddressInput) -> dict[str, str]:
    """Field → French message (empty when the address can be printed)."""
    errors: dict[str, str] = {}
    if not address.name.strip():
        errors["name"] = "Le nom et prénom ou l'entreprise est obligatoire."
    elif len(address.name.strip()) > NAME_MAX:
        errors["name"] = f"Le nom compte au plus {NAME_MAX} caractères."
    lines = [line.strip() for line in address.address_lines if line.strip()]
    if not lines:
        errors["address_lines"] = "L'adresse compte de 1 à 4 lignes."
    elif len(lines) > ADDRESS_LINES_MAX:
        errors["address_lines"] = f"L'adresse compte au plus {ADDRESS_LINES_MAX} lignes."
    else:
        long = [index for index, line in enumerate(lines, start=1) if len(line) > ADDRESS_LINE_MAX]
        if long:
            errors["address_lines"] = (f"Chaque ligne d'adresse compte au plus {ADDRESS_LINE_MAX} caractères "
                                       f"(ligne {long[0]}).")
    if not POSTAL_CODE.match(address.postal_code.strip()):
        errors["postal_code"] = "Le code postal comporte 5 chiffres."
    if not address.city.strip():
        errors["city"] = "La ville est obligatoire."
    elif len(address.city.strip()) > CITY_MAX:
        errors["city"] = f"La ville compte au plus {CITY_MAX} caractères."
    return errors


def address_normalised(address: AddressInput) -> AddressInput:
    """Spaces collapsed, blank lines dropped, the city in capitals (as La Poste prints it)."""
    return AddressInput(
        name=" ".join(address.name.split()),
        address_lines=tuple(" ".join(line.split()) for line in address.address_lines if line.strip()),
        postal_code=address.postal_code.strip(),
        city=" ".join(address.city.split()).upper(),
    )


def tracking_url(number: str) -> str:
    return TRACKING_URL.format(number=number)
