"""Reads of the quotes: the grid in effect, and the quotes a user may see with their status."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, CharField, Prefetch, QuerySet, Value, When

from portal.models import Area, User
from portal.selectors import organisation_rows_for
from portal.sorting import SortKey
from quotes.models import Quote, QuoteStatus, Tariff, TariffRate, Trade


def tariff_in_effect(*, on: date) -> Tariff | None:
    """The grid with the latest date of effect on or before ``on`` (its rates prefetched)."""
    return (Tariff.objects.filter(effective_from__lte=on).order_by("-effective_from")
            .prefetch_related(Prefetch("rates", queryset=TariffRate.objects.order_by("tariff_class", "turnover_up_to")))
            .first())


def trades_offered() -> QuerySet[Trade]:
    return Trade.objects.filter(is_active=True).order_by(SortKey("name"), "name")


def quote_rows_for(*, user: User, today: date, status: str = "") -> QuerySet[Quote]:
    """An administrator's organisation's quotes, a collaborator's own (area « devis »), none for
    anyone else; ``status`` (valide / expiré) from ``today``, and only those of ``status`` if given."""
    rows = organisation_rows_for(queryset=Quote.objects.all(), user=user, area=Area.QUOTES, owner_field="created_by")
    if status == QuoteStatus.VALID:
        rows = rows.filter(valid_until__gte=today)
    elif status == QuoteStatus.EXPIRED:
        rows = rows.filter(valid_until__lt=today)
    return (rows.annotate(status=Case(When(valid_until__gte=today, then=Value(QuoteStatus.VALID.value)),
                                      default=Value(QuoteStatus.EXPIRED.value), output_field=CharField()))
            .select_related("created_by", "document")
            .order_by("-issued_on", "-id"))
