"""The ``--month`` option of the monthly commands (invoices, commission statements)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from portal.months import parse_month, previous_month

MONTH_HELP = "AAAA-MM (par défaut : le mois précédent)"


def month_option(value: str | None, *, today: date) -> date:
    """The first day of the month asked for (``AAAA-MM``), or of the month before ``today``'s."""
    if not value:
        return previous_month(today)[0]
    try:
        return parse_month(value)
    except ValueError:
        raise CommandError("Le mois s'écrit AAAA-MM, par exemple 2026-02.") from None
