"""What a month's commission statement of an organisation says, computed from the premiums
collected (``portal.models.Payment``) on its policies: the pipeline shared by the issue of a
statement (frozen into its lines) and the current month's « provisoire » (shown, never stored).

For the month [start, end], the lines are, in this order:

1. **Encaissement du mois** — each payment received in the month, not stated yet;
2. **Régularisation : paiement enregistré après la clôture** — a payment received before the
   month but recorded after its month was issued (back to the organisation's first statement);
3. **Régularisation : paiement annulé** — a payment stated on an earlier statement and since
   withdrawn by the insurer (a rejected direct debit): the line stated is given back, at the
   amounts it had (negative premium and commission).

The rate of a payment is its product's ``CommissionRate`` in effect on the day it was received
(latest ``effective_from`` on or before ``paid_on``); a policy without product or a product
without rate in effect gives no commission (the line says so). Two queries plus one, whatever
the number of payments.

The issue of a statement computes its lines in Python (``month_lines``, ``rules.commission_of``);
the « provisoire », shown at each view, is read in SQL — a constant number of queries, no line built
in Python but those of the page shown: ``month_totals`` sums in the database each line's commission rounded to the cent exactly as
``commission_of`` rounds it (in whole cents, integer arithmetic: exact on PostgreSQL and on SQLite,
which keeps decimals as floats), and ``month_line_rows`` gives the same lines as ``month_lines``,
in the same order, as one queryset to paginate or stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

from commissions.models import STATED_KINDS, CommissionRate, LineKind, Statement, StatementLine
from commissions.rules import ZERO, commission_of, round_cent
from portal.models import Payment


@dataclass(frozen=True)
class Line:
    kind: str
    payment_id: int | None
    payment_reference: str
    paid_on: date
    policy_id: int
    policy_number: str
    member_number: str
    company_name: str
    product_name: str
    premium: Decimal
    commission_rate_id: int | None
    rate: Decimal | None
    commission: Decimal
    reverses_id: int | None = None

    @property
    def kind_label(self) -> str:
        return LineKind(self.kind).label


@dataclass(frozen=True)
class Totals:
    line_count: int
    premium_total: Decimal
    commission_total: Decimal


def totals_of(lines: list[Line]) -> Totals:
    """The sums of the lines' rounded amounts (never a rate applied to a total)."""
    return Totals(len(lines), sum((line.premium for line in lines), ZERO),
                  sum((line.commission for line in lines), ZERO))


def _rate(field: str) -> Subquery:
    return Subquery(
        CommissionRate.objects.filter(product_id=OuterRef("premium_call__policy__product_id"),
                                      effective_from__lte=OuterRef("paid_on"))
        .order_by("-effective_from").values(field)[:1]
    )


def unstated_payments():
    """A filter on payments: not on any statement yet."""
    return ~Exists(StatementLine.objects.filter(payment_id=OuterRef("pk"), kind__in=STATED_KINDS))


def first_statement_start(*, organisation_id: int) -> date | None:
    return Statement.objects.filter(organisation_id=organisation_id).aggregate(first=Min("period_start"))["first"]


def _payments(*, organisation_id: int, start: date, end: date, scope: Q | None, not_before: date | None = None,
              with_rate: bool = True):
    """The payments the month states: received in it, or earlier (since the organisation's first
    statement, and not before ``not_before``) and not stated yet; each with the rate in effect on
    its date (``rate_value``, unless ``with_rate`` is false)."""
    first = first_statement_start(organisation_id=organisation_id)
    since = min(first, start) if first else start
    payments = (
        Payment.objects.filter(premium_call__policy__broker_id=organisation_id, paid_on__gte=since, paid_on__lte=end)
        .filter(unstated_payments())
    )
    if with_rate:
        payments = payments.annotate(rate_value=_rate("rate"))
    if not_before is not None:
        payments = payments.filter(Q(paid_on__gte=start) | Q(paid_on__lt=not_before))
    return payments.filter(scope) if scope is not None else payments


def _withdrawn(*, organisation_id: int, scope: Q | None):
    """The stated lines whose payment the insurer withdrew since, not given back yet."""
    withdrawn = StatementLine.objects.filter(statement__organisation_id=organisation_id, kind__in=STATED_KINDS,
                                             payment__isnull=True, reversed_by__isnull=True)
    return withdrawn.filter(scope) if scope is not None else withdrawn


def _rate_of(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def month_totals_python(*, organisation_id: int, start: date, end: date, scope: Q | None = None,
                        reversal_scope: Q | None = None, not_before: date | None = None) -> Totals:
    """The totals of ``month_lines`` computed in Python, reading two columns per line: the
    reference ``month_totals`` is proved equal to (tests)."""
    premiums, commissions, count = ZERO, ZERO, 0
    for amount, rate in _payments(organisation_id=organisation_id, start=start, end=end, scope=scope,
                                  not_before=not_before).values_list(
            "amount", "rate_value"):
        premiums += amount
        commissions += commission_of(amount, _rate_of(rate))
        count += 1
    for premium, commission in _withdrawn(organisation_id=organisation_id, scope=reversal_scope).values_list(
            "premium", "commission"):
        premiums -= premium
        commissions -= commission
        count += 1
    return Totals(count, premiums, commissions)


def month_lines(*, organisation_id: int, start: date, end: date, scope: Q | None = None,
                reversal_scope: Q | None = None, not_before: date | None = None) -> list[Line]:
    """The lines of the organisation's statement for [start, end] (see the module docstring).
    ``scope`` narrows the payments (a collaborator's delegated clients: a filter on payments),
    ``reversal_scope`` the stated lines (a filter on statement lines); ``not_before`` leaves out
    the earlier payments received from that day (a month whose statements are still to issue)."""
    payments = (
        _payments(organisation_id=organisation_id, start=start, end=end, scope=scope, not_before=not_before)
        .annotate(rate_id=_rate("id"))
        .values_list("id", "reference", "paid_on", "amount", "premium_call__policy_id",
                     "premium_call__policy__number", "premium_call__policy__member__member_number",
                     "premium_call__policy__member__company_name", "premium_call__policy__product__name",
                     "rate_id", "rate_value")
        .order_by("paid_on", "premium_call__policy__number", "id")
    )
    collected, late = [], []
    for (payment_id, reference, paid_on, amount, policy_id, policy_number, member_number, company_name, product_name,
         rate_id, rate) in payments:
        rate = _rate_of(rate)
        line = Line(
            kind=LineKind.COLLECTED if paid_on >= start else LineKind.LATE, payment_id=payment_id,
            payment_reference=reference, paid_on=paid_on, policy_id=policy_id, policy_number=policy_number,
            member_number=member_number, company_name=company_name, product_name=product_name or "",
            premium=amount, commission_rate_id=rate_id, rate=rate, commission=commission_of(amount, rate),
        )
        (collected if paid_on >= start else late).append(line)
    reversals = [
        Line(kind=LineKind.REVERSAL, payment_id=None, payment_reference=stated.payment_reference,
             paid_on=stated.paid_on, policy_id=stated.policy_id, policy_number=stated.policy_number,
             member_number=stated.member_number, company_name=stated.company_name,
             product_name=stated.product_name, premium=-stated.premium, commission_rate_id=stated.commission_rate_id,
             rate=stated.rate, commission=-stated.commission, reverses_id=stated.pk)
        for stated in _withdrawn(organisation_id=organisation_id, scope=reversal_scope).order_by(
            "paid_on", "policy_number", "id")
    ]
    return collected + late + reversals


# ------------------------------------------------------------------ the same, in SQL

BIG = BigIntegerField()


def _cents(expression):
    """An amount in euros (two decimals) as whole cents: exact, SQLite's floats included
    (100.05 × 100 = 10004.999… rounds to 10005)."""
    return Cast(Round(expression * Value(100)), BIG)


def _commission_cents(premium, rate):
    """``rules.commission_of`` in SQL, in whole cents: premium (cents) × rate (hundredths of a
    percent, ``rate``) is the commission in 10⁻⁶ €, exact in integers; + 5 000 then the integer division
    by 10 000 rounds it to the cent half up (``ROUND_HALF_UP``; premiums are positive — a check
    constraint of payments — and rates 0 to 100). No rate in effect: no commission."""
    return Coalesce((_cents(premium) * rate + Value(5000)) / Value(10000), Value(0), output_field=BIG)


def _rate_case(field: str, *, end: date):
    """The rate in effect on a payment's date — its product's rate with the latest
    ``effective_from`` on or before ``paid_on``, as ``_rate`` says — as a CASE over the rate table
    (a few rows kept by staff, read once), ``field`` "id" or "cents" (the rate in hundredths of a
    percent): the same answer without a subquery run for each payment (5 µs × 20 000)."""
    rates = CommissionRate.objects.filter(effective_from__lte=end).order_by("product_id", "-effective_from")
    whens = [When(premium_call__policy__product_id=product_id, paid_on__gte=effective_from,
                  then=Value(pk if field == "id" else int(round_cent(rate) * 100)))
             for pk, product_id, effective_from, rate in rates.values_list("pk", "product_id", "effective_from", "rate")]
    if not whens:
        return Value(None, output_field=BIG)
    return Case(*whens, default=Value(None), output_field=BIG)


def _euros(cents) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-2)


def month_totals(*, organisation_id: int, start: date, end: date, scope: Q | None = None,
                 reversal_scope: Q | None = None, not_before: date | None = None) -> Totals:
    """The totals of ``month_lines`` (same lines, same rounding: the sums of the lines' rounded
    commissions) by two SQL aggregates (and the rate table read once), whatever the number of
    payments — the database still reads each of them once."""
    stated = _payments(organisation_id=organisation_id, start=start, end=end, scope=scope, not_before=not_before,
                       with_rate=False).order_by().aggregate(
        count=Count("id"), premium=Sum(_cents(F("amount")), output_field=BIG),
        commission=Sum(_commission_cents(F("amount"), _rate_case("cents", end=end)), output_field=BIG))
    given_back = _withdrawn(organisation_id=organisation_id, scope=reversal_scope).order_by().aggregate(
        count=Count("id"), premium=Sum(_cents(F("premium")), output_field=BIG),
        commission=Sum(_cents(F("commission")), output_field=BIG))
    return Totals(stated["count"] + given_back["count"],
                  _euros(stated["premium"]) - _euros(given_back["premium"]),
                  _euros(stated["commission"]) - _euros(given_back["commission"]))


# The columns of a line row (``month_line_rows``), in order; the rate in hundredths of a percent;
# ``commission`` is the stated one of a reversal (none for a payment: computed from its premium and
# rate, as the issue computes it).
ROW_COLUMNS = ("row_kind", "row_payment_id", "row_reference", "row_paid_on", "row_policy_id", "row_policy_number",
               "row_member_number", "row_company_name", "row_product_name", "row_premium", "row_rate_id",
               "row_rate", "row_commission", "row_reverses_id", "row_order_id")
KIND_ORDER = (LineKind.COLLECTED, LineKind.LATE, LineKind.REVERSAL)
_MONEY = DecimalField(max_digits=12, decimal_places=2)


def month_line_rows(*, organisation_id: int, start: date, end: date, scope: Q | None = None,
                    reversal_scope: Q | None = None, not_before: date | None = None):
    """The lines of ``month_lines`` as one ordered queryset of ``ROW_COLUMNS`` tuples (a UNION of
    the payments and the withdrawn stated lines), to paginate or stream: see ``line_of``."""
    payments = _payments(organisation_id=organisation_id, start=start, end=end, scope=scope, not_before=not_before,
                         with_rate=False).order_by().annotate(
        row_kind=Case(When(paid_on__gte=start, then=Value(0)), default=Value(1), output_field=IntegerField()),
        row_payment_id=F("id"), row_reference=F("reference"), row_paid_on=F("paid_on"),
        row_policy_id=F("premium_call__policy_id"), row_policy_number=F("premium_call__policy__number"),
        row_member_number=F("premium_call__policy__member__member_number"),
        row_company_name=F("premium_call__policy__member__company_name"),
        row_product_name=Coalesce(F("premium_call__policy__product__name"), Value(""), output_field=CharField()),
        row_premium=F("amount"), row_rate_id=_rate_case("id", end=end), row_rate=_rate_case("cents", end=end),
        row_commission=Value(None, output_field=_MONEY), row_reverses_id=Value(None, output_field=IntegerField()),
        row_order_id=F("id"),
    ).values_list(*ROW_COLUMNS)
    withdrawn = _withdrawn(organisation_id=organisation_id, scope=reversal_scope).order_by().annotate(
        row_kind=Value(2, output_field=IntegerField()), row_payment_id=Value(None, output_field=IntegerField()),
        row_reference=F("payment_reference"), row_paid_on=F("paid_on"), row_policy_id=F("policy_id"),
        row_policy_number=F("policy_number"), row_member_number=F("member_number"),
        row_company_name=F("company_name"), row_product_name=F("product_name"), row_premium=F("premium"),
        row_rate_id=F("commission_rate_id"), row_rate=_cents(F("rate")), row_commission=F("commission"),
        row_reverses_id=F("id"), row_order_id=F("id"),
    ).values_list(*ROW_COLUMNS)
    return payments.union(withdrawn, all=True).order_by("row_kind", "row_paid_on", "row_policy_number",
                                                         "row_order_id")


def line_of(row: tuple) -> Line:
    """A row of ``month_line_rows`` as the ``Line`` ``month_lines`` gives (commission rounded by
    ``rules.commission_of``; a reversal at the negated stated amounts)."""
    (kind, payment_id, reference, paid_on, policy_id, policy_number, member_number, company_name, product_name,
     premium, rate_id, rate, commission, reverses_id, _order) = row
    kind = KIND_ORDER[kind]
    rate = None if rate is None else Decimal(int(rate)).scaleb(-2)
    premium = Decimal(premium).quantize(Decimal("0.01"))
    if kind == LineKind.REVERSAL:
        commission, premium = -Decimal(commission).quantize(Decimal("0.01")), -premium
    else:
        commission = commission_of(premium, rate)
    return Line(kind=kind, payment_id=payment_id, payment_reference=reference, paid_on=paid_on, policy_id=policy_id,
                policy_number=policy_number, member_number=member_number, company_name=company_name,
                product_name=product_name or "", premium=premium, commission_rate_id=rate_id, rate=rate,
                commission=commission, reverses_id=reverses_id)


class LineRows:
    """``month_line_rows`` as a sequence of ``Line`` for ``django.core.paginator.Paginator``
    (``count()`` in SQL, a slice reads its rows only) and for a streamed CSV (iterated in chunks)."""

    def __init__(self, rows, *, count: int | None = None):
        self.rows, self._count = rows, count

    def count(self) -> int:
        """The number of lines: given (``Totals.line_count``, already summed) or counted in SQL."""
        if self._count is None:
            self._count = self.rows.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [line_of(row) for row in self.rows[index]]
        return line_of(self.rows[index])

    def __iter__(self):
        return (line_of(row) for row in self.rows.iterator(chunk_size=2000))
