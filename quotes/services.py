"""Issuing a Pyramide Artisan quote: check, price from the grid in effect, number, render, keep.

Validate-then-do: ``quote_check`` turns bad input into French errors on their fields (nothing
written); ``quote_issue`` then takes a number (its own short transaction: the number is unique
per year, a failure afterwards leaves a gap but never a duplicate), renders the PDF outside any
transaction, and stores the document and the quote together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from portal import pdf
from portal.errors import ApplicationError
from portal.models import Area, User
from portal.selectors import user_has_area
from quotes import rules
from quotes.models import Quote, QuoteSequence, Tariff, Trade
from quotes.selectors import tariff_in_effect

NUMBER_PREFIX = "DPA"
PROSPECT_MAX_LENGTH = 120


def number_format(year: int, value: int) -> str:
    return f"{NUMBER_PREFIX}-{year}-{value:06d}"


def quote_number_take(*, year: int) -> tuple[int, str]:
    """The next number of ``year``, committed at once: the year's counter row is locked (``SELECT …
    FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), so two
    brokers never get the same number."""
    with transaction.atomic():
        if not QuoteSequence.objects.filter(year=year).exists():
            try:
                with transaction.atomic():
                    QuoteSequence.objects.create(year=year, last_value=0)
            except IntegrityError:  # created by a concurrent request in the meantime
                pass
        QuoteSequence.objects.select_for_update().get(year=year)
        QuoteSequence.objects.filter(year=year).update(last_value=F("last_value") + 1)
        value = QuoteSequence.objects.values_list("last_value", flat=True).get(year=year)
    return value, number_format(year, value)


@dataclass(frozen=True)
class QuoteRequest:
    prospect_name: str
    trade: Trade
    turnover: Decimal
    staff_count: int
    premises_area: int
    options: tuple[str, ...]
    tariff: Tariff
    premium: rules.Premium


def grid_for(*, tariff: Tariff, tariff_class: int) -> rules.Grid:
    bands = tuple(rules.Band(rate.turnover_up_to, rate.base_premium) for rate in tariff.rates.all()
                  if rate.tariff_class == tariff_class)
    return rules.Grid(
        bands=bands, price_per_square_metre=tariff.price_per_square_metre,
        price_per_employee=tariff.price_per_employee,
        option_prices={name: getattr(tariff, f"{name}_price") for name in rules.OPTIONS},
        tax_rate=tariff.tax_rate,
    )


def prospect_name_check(value: str | None) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ApplicationError("Indiquez la raison sociale de l'artisan.", field="prospect_name")
    if len(value) > PROSPECT_MAX_LENGTH:
        raise ApplicationError(f"La raison sociale tient en {PROSPECT_MAX_LENGTH} caractères au plus.",
                               field="prospect_name")
    return value


def turnover_check(value: Decimal | None) -> Decimal:
    if value is None:
        raise ApplicationError("Indiquez le chiffre d'affaires annuel.", field="turnover")
    if value < 0:
        raise ApplicationError("Le chiffre d'affaires ne peut pas être négatif.", field="turnover")
    if value > rules.MAX_TURNOVER:
        raise ApplicationError("Un chiffre d'affaires de plus de 50 000 000 € ne relève pas de Pyramide Artisan : "
                               "vérifiez le montant saisi.", field="turnover")
    return value


def staff_count_check(value: int | None) -> int:
    if value is None:
        raise ApplicationError("Indiquez l'effectif (0 si l'artisan travaille seul).", field="staff_count")
    if value < 0:
        raise ApplicationError("L'effectif ne peut pas être négatif.", field="staff_count")
    if value > rules.MAX_STAFF:
        raise ApplicationError(f"Au-delà de {rules.MAX_STAFF} salariés, l'entreprise ne relève pas de Pyramide "
                               "Artisan.", field="staff_count")
    return value


def premises_area_check(value: int | None) -> int:
    if value is None:
        raise ApplicationError("Indiquez la surface des locaux.", field="premises_area")
    if value < 1:
        raise ApplicationError("La surface des locaux est d'au moins 1 m².", field="premises_area")
    if value > rules.MAX_PREMISES_AREA:
        raise ApplicationError("Une surface de plus de 20 000 m² ne relève pas de Pyramide Artisan : vérifiez la "
                               "surface saisie.", field="premises_area")
    return value


def quote_check(*, by: User, prospect_name: str, trade: Trade | None, turnover: Decimal | None,
                staff_count: int | None, premises_area: int | None, options: list[str] | tuple[str, ...],
                today: date) -> QuoteRequest:
    if not (by.is_authenticated and by.organisation_id and user_has_area(user=by, area=Area.QUOTES)):
        raise ApplicationError("Les devis Pyramide Artisan ne font pas partie de vos habilitations.")
    prospect_name = prospect_name_check(prospect_name)
    if trade is None or not trade.is_active:
        raise ApplicationError("Choisissez le métier de l'artisan dans la liste.", field="trade")
    turnover = turnover_check(turnover)
    staff_count = staff_count_check(staff_count)
    premises_area = premises_area_check(premises_area)
    unknown = [option for option in options if option not in rules.OPTIONS]
    if unknown:
        raise ApplicationError("Cette option n'existe pas.", field="options")
    tariff = tariff_in_effect(on=today)
    if tariff is None:
        raise ApplicationError(f"Aucun tarif Pyramide Artisan n'est en vigueur au {today:%d/%m/%Y} : contactez "
                               "L'Auxiliaire.")
    premium = rules.premium(grid=grid_for(tariff=tariff, tariff_class=trade.tariff_class), turnover=turnover,
                            staff_count=staff_count, premises_area=premises_area, options=list(options))
    if premium is None:
        raise ApplicationError("Le tarif en vigueur ne couvre pas ce chiffre d'affaires pour ce métier : contactez "
                               "L'Auxiliaire pour une étude.", field="turnover")
    return QuoteRequest(prospect_name=prospect_name, trade=trade, turnover=turnover, staff_count=staff_count,
                        premises_area=premises_area, options=tuple(name for name in rules.OPTIONS if name in options),
                        tariff=tariff, premium=premium)


def quote_issue(*, by: User, prospect_name: str, trade: Trade | None, turnover: Decimal | None,
                staff_count: int | None, premises_area: int | None, options: list[str] | tuple[str, ...],
                today: date) -> Quote:
    checked = quote_check(by=by, prospect_name=prospect_name, trade=trade, turnover=turnover,
                          staff_count=staff_count, premises_area=premises_area, options=options, today=today)
    sequence, number = quote_number_take(year=today.year)
    quote = Quote(
        number=number, year=today.year, sequence=sequence, organisation_id=by.organisation_id, created_by=by,
        prospect_name=checked.prospect_name, trade=checked.trade, trade_name=checked.trade.name,
        tariff_class=checked.trade.tariff_class, tariff=checked.tariff, turnover=checked.turnover,
        staff_count=checked.staff_count, premises_area=checked.premises_area,
        premium_excluding_tax=checked.premium.excluding_tax, tax_amount=checked.premium.tax,
        premium_including_tax=checked.premium.including_tax, issued_on=today, valid_until=rules.valid_until(today),
        **{name: name in checked.options for name in rules.OPTIONS},
    )
    content = pdf.pdf_render(template_name="quotes/pdf/quote.html", context={
        "quote": quote, "organisation": by.organisation, "premium": checked.premium,
        "options": [label for name, label in rules.OPTIONS.items() if name in checked.options],
        "tax_rate": checked.tariff.tax_rate, "validity_days": rules.VALIDITY_DAYS, "letter_date": today,
    })
    with transaction.atomic():
        quote.document = pdf.document_store(content=content, name=f"Devis {number}", content_type="application/pdf")
        quote.save()
    return quote
