"""The one business date and moment of the product (SPEC §3, §8).

Every rule reads "today" and "now" from here, never from the wall clock directly:

* ``PORTAL_NOW=YYYY-MM-DDTHH:MM`` (Europe/Paris wall time) overrides the whole moment — date
  and time — for every rule with a time of day (20:00 for same-day LRE and e-signatures, 10:30
  for La Poste);
* ``PORTAL_TODAY=YYYY-MM-DD`` overrides the date only (the time of day stays the real one, or
  ``PORTAL_NOW``'s when both are set).

Both are read at each call (acceptance and training environments, tests); ``manage.py check
--deploy`` warns when either is set (see ``portal.checks``).
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from portal.businessdays import BusinessCalendar, calendar_for

ENV_VAR = "PORTAL_TODAY"
NOW_ENV_VAR = "PORTAL_NOW"


class ClockConfigurationError(ValueError):
    pass


def override_date() -> date | None:
    """The date forced by ``PORTAL_TODAY``, or None."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ClockConfigurationError(
            f"{ENV_VAR} doit être une date au format AAAA-MM-JJ, reçu {raw!r}."
        ) from exc


def override_moment() -> datetime | None:
    """The Europe/Paris moment forced by ``PORTAL_NOW``, or None."""
    raw = os.environ.get(NOW_ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError as exc:
        raise ClockConfigurationError(
            f"{NOW_ENV_VAR} doit être une date et une heure au format AAAA-MM-JJTHH:MM (heure de Paris), "
            f"reçu {raw!r}."
        ) from exc
    return moment.replace(tzinfo=local_zone())


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_now() -> datetime:
    """The current moment in Europe/Paris: ``PORTAL_NOW`` when set, its date replaced by
    ``PORTAL_TODAY`` when that is set too."""
    now = override_moment() or timezone.now().astimezone(local_zone())
    forced = override_date()
    if forced is None:
        return now
    # Same wall time on the forced date, with that date's own UTC offset (summer/winter).
    return datetime.combine(forced, now.time(), tzinfo=local_zone())


def business_today() -> date:
    """Today's business date (Europe/Paris), as moved by ``PORTAL_TODAY`` or ``PORTAL_NOW``."""
    forced = override_date()
    if forced is not None:
        return forced
    return local_now().date()


def at_local_time(day: date, moment: time) -> datetime:
    """An aware datetime for a wall-clock time in Europe/Paris on ``day``."""
    return datetime.combine(day, moment, tzinfo=local_zone())


def business_calendar() -> BusinessCalendar:
    """The calendar configured by ``PORTAL_HOLIDAY_SUBDIVISION`` (mainland France by default)."""
    return calendar_for(settings.PORTAL_HOLIDAY_SUBDIVISION or None)
