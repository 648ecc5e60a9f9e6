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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, Min, OuterRef, Q, Subquery

from commissions.models import STATED_KINDS, CommissionRate, LineKind, Statement, StatementLine
from commissions.rules import ZERO, commission_of
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


def _payments(*, organisation_id: int, start: date, end: date, scope: Q | None, not_before: date | None = None):
    """The payments the month states: received in it, or earlier (since the organisation's first
    statement, and not before ``not_before``) and not stated yet; each with the rate in effect on
    its date."""
    first = first_statement_start(organisation_id=organisation_id)
    since = min(first, start) if first else start
    payments = (
        Payment.objects.filter(premium_call__policy__broker_id=organisation_id, paid_on__gte=since, paid_on__lte=end)
        .filter(unstated_payments())
        .annotate(rate_value=_rate("rate"))
    )
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


def month_totals(*, organisation_id: int, start: date, end: date, scope: Q | None = None,
                 reversal_scope: Q | None = None, not_before: date | None = None) -> Totals:
    """The totals of ``month_lines`` (same lines, same rounding), reading two columns per line."""
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
