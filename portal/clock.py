"""The one business date of the product (SPEC §3).

Every rule reads "today" from here. ``PORTAL_TODAY=YYYY-MM-DD`` in the environment, read at
each call, overrides the date for the whole process (acceptance and training environments);
``manage.py check --deploy`` warns when it is set (see ``portal.checks``).
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from portal.businessdays import BusinessCalendar, calendar_for

ENV_VAR = "PORTAL_TODAY"


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


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_now() -> datetime:
    """The current time in Europe/Paris; its date is the business date when overridden."""
    now = timezone.now().astimezone(local_zone())
    forced = override_date()
    if forced is None:
        return now
    return datetime.combine(forced, now.timetz())


def business_today() -> date:
    """Today's business date (Europe/Paris), or ``PORTAL_TODAY`` when it is set."""
    forced = override_date()
    if forced is not None:
        return forced
    return timezone.now().astimezone(local_zone()).date()


def at_local_time(day: date, moment: time) -> datetime:
    """An aware datetime for a wall-clock time in Europe/Paris on ``day``."""
    return datetime.combine(day, moment, tzinfo=local_zone())


def business_calendar() -> BusinessCalendar:
    """The calendar configured by ``PORTAL_HOLIDAY_SUBDIVISION`` (mainland France by default)."""
    return calendar_for(settings.PORTAL_HOLIDAY_SUBDIVISION or None)
